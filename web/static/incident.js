// The incident report form: shows the reporting deadlines as the reporter
// types the awareness time (POST /v1/incident-deadlines/preview). Without
// JavaScript the form's "show the deadlines" button does the same.
(function () {
  'use strict';
  var form = document.getElementById('incident-form');
  var box = document.getElementById('deadline-preview');
  if (!form || !box || !window.fetch) return;
  var lang = document.documentElement.lang || 'en';
  var timer = null;
  function val(name) {
    var el = form.elements[name];
    return el ? String(el.value || '').trim() : '';
  }
  function when(name) {
    var v = val(name);
    if (!v) return undefined;
    if (v.length === 16) v += ':00';
    var off = val('offset') || '+00:00';
    if (off === 'Z') off = '+00:00';
    return v + off;
  }
  function draft() {
    var harms = [];
    form.querySelectorAll('input[name=harm]:checked').forEach(function (el) { harms.push(el.value); });
    var countries = val('countries').toUpperCase().split(/[\s,;]+/).filter(Boolean);
    var d = {
      kind: val('kind'), system: {id: val('system')}, aware: when('aware'), occurred: when('occurred'),
      countries: countries, harms: harms, severity: val('severity'),
      facts: {
        death: form.elements.death.checked || undefined,
        widespread_infringement: form.elements.widespread_infringement.checked || undefined,
        cybersecurity_breach: form.elements.cybersecurity_breach.checked || undefined,
        cn_grade: val('cn_grade') || undefined, cn_operator: val('cn_operator') || undefined,
        causal_link_at: when('causal_link')
      }
    };
    var n = parseInt(val('system_version'), 10);
    if (n > 0) d.system.version = n;
    return d;
  }
  function pick(t) {
    if (!t) return '';
    if (t[lang]) return t[lang];
    var base = lang.split('-')[0];
    for (var k in t) { if (k.split('-')[0] === base) return t[k]; }
    return t.en || '';
  }
  function render(ds) {
    var old = box.querySelector('.live');
    if (old) old.remove();
    var ul = document.createElement('ul');
    ul.className = 'live';
    if (!ds.length) {
      var li = document.createElement('li');
      li.textContent = box.getAttribute('data-none') || '';
      ul.appendChild(li);
    }
    ds.forEach(function (d) {
      var li = document.createElement('li');
      var due = d.due ? new Date(d.due).toLocaleString(lang, {timeZoneName: 'short'}) : (box.getAttribute('data-noclock') || '');
      li.textContent = d.citation + ' — ' + due + (d.immediately ? ' · ' + (box.getAttribute('data-immediately') || '') : '') + ' — ' + pick(d.title);
      ul.appendChild(li);
    });
    var h = box.querySelector('h2');
    h.parentNode.insertBefore(ul, h.nextSibling);
    box.querySelectorAll('table, p.note').forEach(function (el) { el.hidden = true; });
  }
  function update() {
    var d = draft();
    if (!d.aware || !d.system.id) return;
    fetch('/v1/incident-deadlines/preview', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(d)})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j) render(j.deadlines || []); })
      .catch(function () {});
  }
  form.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 300);
  });
  form.addEventListener('change', function () {
    clearTimeout(timer);
    timer = setTimeout(update, 100);
  });
})();
