// minyi's service worker for interviewers' phones (scope /office/): the field pages
// are kept on the phone, so the households, their pages and the questionnaire open in
// a stairwell without signal. Network first, the kept copy when the network fails.
// Submissions never pass through here: the pages keep them in IndexedDB and send them
// themselves (field.js), each with its own key.
'use strict';
var CACHE = 'minyi-field-v1';

self.addEventListener('install', function (e) { e.waitUntil(self.skipWaiting()); });
self.addEventListener('activate', function (e) { e.waitUntil(self.clients.claim()); });

function kept(url) {
  // Relative to the worker: the pages send their own paths.
  var p = new URL(url, self.location.href).pathname;
  return p.indexOf('/office/field') === 0 || p.indexOf('/assets/') === 0;
}

// A page asks to keep its households' pages (and the script) for offline use.
self.addEventListener('message', function (e) {
  var d = e.data || {};
  if (d.type !== 'keep' || !Array.isArray(d.urls)) return;
  e.waitUntil(caches.open(CACHE).then(function (c) {
    return Promise.all(d.urls.filter(kept).map(function (u) {
      return fetch(u, { credentials: 'same-origin' }).then(function (r) {
        if (r.ok && !r.redirected) return c.put(u, r);
      }).catch(function () {});
    }));
  }));
});

self.addEventListener('fetch', function (e) {
  var r = e.request;
  if (r.method !== 'GET' || !kept(r.url)) return;
  e.respondWith(
    fetch(r).then(function (res) {
      // A page that sent the browser to sign in is not the page: keep the old copy.
      if (res.ok && !res.redirected) {
        var copy = res.clone();
        caches.open(CACHE).then(function (c) { c.put(r, copy); });
      }
      return res;
    }).catch(function () {
      return caches.match(r, { ignoreSearch: false }).then(function (hit) {
        return hit || caches.match(r, { ignoreSearch: true }).then(function (loose) {
          return loose || new Response(
            '<!doctype html><meta charset=utf-8><meta name=viewport content="width=device-width,initial-scale=1"><title>离线</title>' +
            '<p style="font:1.2rem system-ui;padding:1rem">没有网络，且这一页没有保存在手机上。请回到<a href="/office/field">我的住户</a>。<br>No network, and this page was not kept on the phone. Go back to <a href="/office/field">My households</a>.</p>',
            { status: 503, headers: { 'Content-Type': 'text/html; charset=utf-8' } });
        });
      });
    })
  );
});
