// The Events page's "Follow live": a server-sent events stream (EventSource) of the events logged
// since the page was made, already filtered by the server; each arrives as one escaped table row.
(function () {
  'use strict';
  function start() {
    var button = document.getElementById('follow');
    if (!button) return;
    var rows = document.getElementById('event-rows');
    var status = document.getElementById('follow-status');
    var none = document.getElementById('events-none');
    var source = null;
    var count = 0;
    button.addEventListener('click', function () {
      if (source) {
        source.close();
        source = null;
        button.setAttribute('aria-pressed', 'false');
        button.textContent = 'Follow live';
        status.textContent = 'Stopped following.';
        return;
      }
      source = new EventSource(button.getAttribute('data-url'));
      button.setAttribute('aria-pressed', 'true');
      button.textContent = 'Stop following';
      status.textContent = 'Following: new events appear at the top.';
      source.addEventListener('event', function (e) {
        rows.insertAdjacentHTML('afterbegin', e.data);
        if (none) none.hidden = true;
        count += 1;
        status.textContent = 'Following: ' + count + ' new.';
      });
      source.onerror = function () {
        status.textContent = 'Following: connection lost, retrying.';
      };
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
