// The Diagnostics page: a run's output, streamed by the box over server-sent events
// (/diagnostics/stream), appended line by line; at the end, the summary and (for a capture) the
// download link. Closing or leaving the page ends the stream, and the box stops the run.
'use strict';
document.addEventListener('DOMContentLoaded', function () {
  const run = document.querySelector('.diag-run[data-stream]');
  if (!run || !window.EventSource) return;
  const out = run.querySelector('.diag-output');
  const status = run.querySelector('.diag-status');
  const stop = run.querySelector('.diag-stop');
  const source = new EventSource(run.dataset.stream);
  source.addEventListener('line', function (e) {
    out.textContent += e.data + '\n';
    out.scrollTop = out.scrollHeight;
  });
  source.addEventListener('end', function (e) {
    source.close();
    status.textContent = 'Done: ' + e.data;
    run.classList.add('done');
    if (stop) stop.hidden = true;
    const download = run.querySelector('.diag-download');
    if (download && run.dataset.download) download.hidden = false;
  });
  source.onerror = function () {
    // The stream ended without its end event (the box restarted, the network dropped): the run is over.
    if (!run.classList.contains('done')) status.textContent = 'The connection to the box was lost; the run has stopped.';
    source.close();
  };
});
