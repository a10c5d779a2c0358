/*
 * timezone.js: on the sign-up form, choose the browser's own time zone in
 * the time zone list, unless the person has chosen one already. The list
 * carries data-browser-time-zone="suggest" only when the server had no
 * choice to show; without this script the server's default (UTC) stays.
 * A zone missing from the list is added to it (the server accepts every
 * zone it knows).
 */
(function () {
  'use strict';
  var select = document.querySelector('select[data-browser-time-zone="suggest"]');
  if (!select) return;
  var zone = '';
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
  } catch (e) {
    return;
  }
  if (!/^[A-Za-z]+(\/[A-Za-z0-9_+-]+){1,2}$/.test(zone)) return;
  var found = false;
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === zone) found = true;
  }
  if (!found) {
    var option = document.createElement('option');
    option.value = zone;
    option.textContent = zone.slice(zone.indexOf('/') + 1).replace(/_/g, ' ');
    select.appendChild(option);
  }
  select.value = zone;
})();
