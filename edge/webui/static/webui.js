// The technician UI's behaviour beyond htmx: the overview's charts (uPlot), fed by /overview/series
// and redrawn every 10 seconds. Pages work without it; only the charts need it.
'use strict';
if (window.htmx) htmx.config.includeIndicatorStyles = false;  // webui.css has them (no inline <style>: CSP)

(function () {
  const charts = [];

  function width(el) {
    return Math.max(240, el.clientWidth || 320);
  }

  function draw(data) {
    document.querySelectorAll('.chart[data-series]').forEach(function (el, i) {
      const k = Number(el.dataset.series);
      const series = [data[0], data[k]];
      if (!charts[i]) {
        const opts = {
          width: width(el),
          height: 160,
          legend: { show: false },
          series: [{}, { label: el.dataset.label, stroke: '#1565c0', width: 2, fill: 'rgba(21,101,192,0.1)', spanGaps: true }],
          axes: [{}, { size: 50 }],
          // Always the last hour, however few points there are yet.
          scales: { x: { time: true, range: function (u, min, max) { return [max - 3600, max]; } } },
        };
        charts[i] = new uPlot(opts, series, el);
      } else {
        charts[i].setData(series);
      }
    });
  }

  function refresh() {
    fetch('/overview/series', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) draw(data); })
      .catch(function () {});
  }

  document.addEventListener('DOMContentLoaded', function () {
    if (!document.querySelector('.chart[data-series]') || !window.uPlot) return;
    refresh();
    setInterval(refresh, 10000);
    window.addEventListener('resize', function () {
      document.querySelectorAll('.chart[data-series]').forEach(function (el, i) {
        if (charts[i]) charts[i].setSize({ width: width(el), height: 160 });
      });
    });
  });
})();

// A page's own chart (a subscriber's usage per day): <div class="chart" data-url="..." data-labels="a,b">,
// drawn once from the JSON [[x], [series 1], [series 2], ...] at data-url.
(function () {
  const colours = ['#1565c0', '#2e7d32', '#ef6c00'];
  document.addEventListener('DOMContentLoaded', function () {
    if (!window.uPlot) return;
    document.querySelectorAll('.chart[data-url]').forEach(function (el) {
      fetch(el.dataset.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data[0] || data[0].length === 0) {
            el.textContent = 'No usage recorded in this period yet.';
            el.classList.add('empty');
            return;
          }
          const labels = (el.dataset.labels || '').split(',');
          const series = [{}];
          for (let k = 1; k < data.length; k++)
            series.push({ label: labels[k - 1] || '', stroke: colours[(k - 1) % colours.length], width: 2,
                          points: { show: true } });
          const chart = new uPlot({ width: Math.max(240, el.clientWidth || 320), height: 160, series: series,
                                    axes: [{}, { size: 60 }] }, data, el);
          window.addEventListener('resize', function () {
            chart.setSize({ width: Math.max(240, el.clientWidth || 320), height: 160 });
          });
        })
        .catch(function () {});
    });
  });
})();
