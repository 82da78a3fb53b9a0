// Charts of the console: a <div class="chart" data-chart="bars|days"> followed by its data in a
// <script type="application/json" class="chart-data"> (no inline script: the CSP allows only ours).
// The figures are in a table beside every chart, so the chart itself is hidden from screen readers.
(function () {
  'use strict';
  function draw(el) {
    var dataEl = el.nextElementSibling;
    if (!dataEl || !window.uPlot) return;
    var d;
    try { d = JSON.parse(dataEl.textContent); } catch (e) { return; }
    var xs = d.labels.map(function (_, i) { return i; });
    var series = [{}], data = [xs];
    if (el.dataset.chart === 'days') {
      series.push({ label: 'down MB', stroke: '#0a5d7c', width: 2 });
      series.push({ label: 'up MB', stroke: '#b35c00', width: 2 });
      data.push(d.down, d.up);
    } else {
      series.push({ label: 'MB', stroke: '#0a5d7c', fill: 'rgba(10,93,124,0.2)', width: 2,
                    paths: uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 60] }) : undefined });
      data.push(d.values);
    }
    var width = Math.max(260, el.clientWidth || 300);
    new uPlot({
      width: width, height: 180, series: series,
      scales: { x: { time: false } },
      axes: [{ values: function (u, vals) { return vals.map(function (v) { return d.labels[v] === undefined ? '' : d.labels[v]; }); } }, {}]
    }, data, el);
  }
  // A "copy" button next to a read-only field (the partner portal's referral code).
  function copier(button) {
    button.addEventListener('click', function () {
      var field = document.getElementById(button.dataset.copyFrom);
      if (!field) return;
      field.select();
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).catch(function () {});
      else if (document.execCommand) document.execCommand('copy');
      button.textContent = 'Copied';
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('.chart[data-chart]').forEach(draw);
    document.querySelectorAll('button[data-copy-from]').forEach(copier);
  });
})();
