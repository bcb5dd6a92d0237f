// minyi in the field: an interviewer's visits and interviews are kept on the phone
// (IndexedDB) with a key each, and sent when the network allows — each exactly once,
// since the server refuses a key it has stored. The queue survives a lost signal, a
// closed browser and an expired session (it is sent after signing in again). Without
// JavaScript the forms post as usual.
(function () {
  'use strict';
  if (!window.indexedDB || !window.fetch || !window.Promise) return;
  var lang = document.documentElement.lang === 'en' ? 'en' : 'zh';
  function t(zh, en) { return lang === 'en' ? en : zh; }
  var DB = 'minyi-field', STORE = 'queue';

  function db() {
    return new Promise(function (ok, fail) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () { r.result.createObjectStore(STORE, { keyPath: 'key' }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (ok, fail) {
        var x = d.transaction(STORE, mode), s = x.objectStore(STORE), out = fn(s);
        x.oncomplete = function () { ok(out && out.result !== undefined ? out.result : out); };
        x.onerror = function () { fail(x.error); };
      });
    });
  }
  function all() { return tx('readonly', function (s) { return s.getAll(); }); }
  function put(item) { return tx('readwrite', function (s) { s.put(item); }); }
  function drop(key) { return tx('readwrite', function (s) { s['delete'](key); }); }

  function newKey() {
    var b = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  var signIn = false;

  // The banner on every field page: what waits on the phone, and what was refused.
  function show() {
    var el = document.getElementById('field-queue');
    if (!el) return Promise.resolve();
    return all().then(function (items) {
      var waiting = items.filter(function (i) { return i.status !== 'rejected'; });
      var rejected = items.filter(function (i) { return i.status === 'rejected'; });
      el.hidden = items.length === 0 && !signIn;
      var p = el.querySelector('[data-count]');
      if (p) p.textContent = waiting.length;
      var s = el.querySelector('[data-signin]');
      if (s) s.hidden = !signIn;
      var list = el.querySelector('[data-rejected]');
      if (list) {
        list.textContent = '';
        rejected.forEach(function (i) {
          var li = document.createElement('li');
          li.textContent = (i.label || i.kind) + ' — ' + (i.error || '') + ' ';
          var b = document.createElement('button');
          b.type = 'button';
          b.textContent = t('删除', 'Remove');
          b.onclick = function () { drop(i.key).then(show); };
          li.appendChild(b);
          list.appendChild(li);
        });
      }
      document.documentElement.dataset.queued = waiting.length;
      // A kept page is older than what was entered since: mark the households waiting.
      var mine = {};
      waiting.forEach(function (i) { mine[i.payload.household] = true; });
      Array.prototype.forEach.call(document.querySelectorAll('p[data-household]'), function (p) {
        var w = p.querySelector('[data-waiting]');
        if (w) w.hidden = !mine[p.dataset.household];
      });
    });
  }

  function refreshCsrf() {
    return fetch('/api/field/csrf', { credentials: 'same-origin' }).then(function (r) {
      if (r.status === 401) { signIn = true; return false; }
      if (!r.ok) return false;
      return r.json().then(function (j) { csrf = j.csrf; return true; });
    });
  }

  function send(item, retried) {
    return fetch('/api/field/items', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(item.payload),
      redirect: 'manual'
    }).then(function (r) {
      if (r.status === 201 || r.status === 200) {
        // Dropped only once the server says it holds the item: a portal page or a
        // sign-in form answering 200 is no receipt.
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (j.status !== 'stored' && j.status !== 'duplicate') return false;
          signIn = false;
          return drop(item.key).then(function () { return true; });
        });
      }
      if (r.status === 401) { signIn = true; return false; }
      if (r.status === 403 && !retried) {
        return refreshCsrf().then(function (ok) { return ok ? send(item, true) : false; });
      }
      if (r.status >= 500 || r.status === 429) return false;
      // Refused for good (a closed survey, an unassigned household, bad answers): kept
      // and shown, so nothing is lost without the interviewer seeing it.
      return r.json().catch(function () { return {}; }).then(function (j) {
        item.status = 'rejected';
        item.error = j.error || ('HTTP ' + r.status);
        return put(item).then(function () { return true; });
      });
    });
  }

  var flushing = false;
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    return all().then(function (items) {
      var waiting = items.filter(function (i) { return i.status !== 'rejected'; })
        .sort(function (a, b) { return a.created - b.created; });
      var go = function (k) {
        if (k >= waiting.length) return Promise.resolve();
        return send(waiting[k]).then(function (more) { return more ? go(k + 1) : null; });
      };
      return go(0);
    }).catch(function () {}).then(function () { flushing = false; return show(); });
  }

  // Where the phone stands against the sampled community's outline: only inside,
  // outside or unknown is sent, with how exact the position was — never the position.
  function inside(pt, rings) {
    var hit = false;
    rings.forEach(function (ring) {
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var a = ring[i], b = ring[j];
        if ((a[1] > pt[1]) !== (b[1] > pt[1]) &&
            pt[0] < (b[0] - a[0]) * (pt[1] - a[1]) / (b[1] - a[1]) + a[0]) hit = !hit;
      }
    });
    return hit;
  }
  function locate(form) {
    var box = form.querySelector('[name="f.consent"]');
    var outline = document.getElementById('community-outline');
    if (!box || !box.checked || !outline || !navigator.geolocation) return Promise.resolve({ location: 'unknown' });
    try { localStorage.setItem('minyi-consent', '1'); } catch (e) {}
    var rings = JSON.parse(outline.textContent || '[]');
    return new Promise(function (ok) {
      navigator.geolocation.getCurrentPosition(function (p) {
        var acc = p.coords.accuracy;
        ok({
          location: rings.length && inside([p.coords.longitude, p.coords.latitude], rings) ? 'inside' : (rings.length ? 'outside' : 'unknown'),
          accuracy: acc <= 50 ? 'fine' : acc <= 500 ? 'coarse' : 'poor'
        });
      }, function () { ok({ location: 'unknown' }); }, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
    });
  }

  function answers(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (e) {
      if (!e.name || e.name.indexOf('m.') === 0 || e.name.indexOf('f.') === 0 || e.disabled) return;
      if ((e.type === 'radio' || e.type === 'checkbox') && !e.checked) return;
      if (e.type === 'submit' || e.type === 'button') return;
      if (e.value === '' && e.type !== 'text' && e.tagName !== 'TEXTAREA') return;
      (out[e.name] = out[e.name] || []).push(e.value);
    });
    return out;
  }

  function started(form) {
    var k = 'minyi-started-' + form.dataset.household;
    var s = null;
    try { s = sessionStorage.getItem(k); if (!s) { s = new Date().toISOString(); sessionStorage.setItem(k, s); } } catch (e) {}
    return s;
  }

  function queue(form, payload, label) {
    var item = { key: payload.key, kind: payload.kind, payload: payload, created: Date.now(), label: label, status: 'waiting' };
    return put(item).then(flush).then(function () { location.href = form.dataset.back || '/office/field'; });
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[data-field]'), function (form) {
    var kind = form.dataset.field;
    if (kind === 'interview') {
      started(form);
      // The adult the household's Kish table selects, named as soon as the adults are counted.
      var chosen = form.querySelector('[data-kish]'), count = form.elements['f.adults'];
      if (chosen && count) {
        var pick = function () {
          var n = Math.floor(+count.value), row = chosen.dataset.kish.split(',');
          chosen.hidden = !(n >= 1);
          if (n >= 1) chosen.textContent = chosen.dataset[lang].replace('{n}', row[Math.min(n, 6) - 1]);
        };
        count.addEventListener('input', pick);
        pick();
      }
      try { if (localStorage.getItem('minyi-consent') === '1') { var c = form.querySelector('[name="f.consent"]'); if (c) c.checked = true; } } catch (e) {}
    }
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var base = { survey: form.dataset.survey, household: +form.dataset.household, key: newKey() };
      var label = form.dataset.label || '';
      if (kind === 'visit') {
        var at = form.elements['f.appointment'] && form.elements['f.appointment'].value;
        queue(form, {
          kind: 'visit', survey: base.survey, household: base.household, key: base.key,
          visited_at: new Date().toISOString(),
          outcome: form.elements['f.outcome'].value,
          appointment_at: at ? new Date(at).toISOString() : null,
          note: (form.elements['f.note'] || {}).value || null
        }, label);
      } else {
        var adults = +(form.elements['f.adults'] || {}).value;
        if (!(adults >= 1)) {
          var a = form.elements['f.adults'];
          if (a) { a.focus(); a.setAttribute('aria-invalid', 'true'); }
          return;
        }
        var s = started(form);
        locate(form).then(function (where) {
          try { sessionStorage.removeItem('minyi-started-' + form.dataset.household); } catch (e) {}
          queue(form, {
            kind: 'interview', survey: base.survey, household: base.household, key: base.key,
            started_at: s, ended_at: new Date().toISOString(), adults: adults,
            location: where.location, accuracy: where.accuracy || null,
            answers: answers(form)
          }, label);
        });
      }
    });
  });

  // Signing out with items still on the phone: say so first.
  Array.prototype.forEach.call(document.querySelectorAll('form[action="/logout"]'), function (f) {
    f.addEventListener('submit', function (ev) {
      var n = +(document.documentElement.dataset.queued || 0);
      if (n > 0 && !window.confirm(t('手机上还有 ' + n + ' 份记录没有发送。退出后它们仍保存在手机上，下次登录后发送。确定退出吗？',
          n + ' record(s) are still on this phone, not yet sent. They stay here and are sent after you sign in again. Sign out?'))) {
        ev.preventDefault();
      }
    });
  });

  var button = document.querySelector('#field-queue [data-send]');
  if (button) button.addEventListener('click', flush);
  window.addEventListener('online', flush);
  setInterval(flush, 15000);

  // Keep this phone's households for offline use.
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/office/sw.js', { scope: '/office/' }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var keep = document.getElementById('field-keep');
      if (keep && reg.active) reg.active.postMessage({ type: 'keep', urls: JSON.parse(keep.textContent || '[]') });
    }).catch(function () {});
  }
  flush();
})();
