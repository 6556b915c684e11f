// Copy buttons for the codes on error pages. An external file because the CSP allows no inline script;
// the button stays hidden without JavaScript (the codes are still on the page to select by hand).
/* global document, window, navigator */
'use strict';
(function () {
  function textOf(list) {
    var lines = [];
    var terms = list.querySelectorAll('dt');
    for (var i = 0; i < terms.length; i++) {
      var dd = terms[i].nextElementSibling;
      if (!dd) continue;
      // The value only (the AADSTS row also holds a help link).
      var value = dd.querySelector('code') || dd;
      lines.push(terms[i].textContent.trim() + ': ' + value.textContent.trim());
    }
    return lines.join('\n');
  }
  function fallbackCopy(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'absolute';
    area.style.left = '-9999px';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error('copy failed'));
  }
  var buttons = document.querySelectorAll('button[data-copy]');
  for (var i = 0; i < buttons.length; i++) {
    (function (button) {
      var list = document.getElementById(button.getAttribute('data-copy'));
      if (!list) return;
      var status = button.parentNode.querySelector('.copy-status');
      button.hidden = false;
      button.addEventListener('click', function () {
        var text = textOf(list);
        var copy = navigator.clipboard && window.isSecureContext ? navigator.clipboard.writeText(text) : fallbackCopy(text);
        copy.then(
          function () { if (status) status.textContent = button.getAttribute('data-copied') || 'Copied'; },
          function () { if (status) status.textContent = ''; fallbackCopy(text).catch(function () {}); },
        );
      });
    })(buttons[i]);
  }
})();
