// The idle timeout on office pages: a session unused for `data-idle` seconds ends on
// the server. Typing or clicking on the page is use, so it tells the server (at most
// once a minute); shortly before the end the page says so and offers to go on;
// at the end it says the user was signed out, and leaves the page as it is (what was
// typed stays; an interview form queued by field.js is sent after signing in again).
// The warning comes three minutes before the end (a third of a shorter timeout).
(function () {
  var idle = +(document.body.dataset.idle || 0) * 1000;
  if (!idle || !window.fetch) return;
  var zh = (document.documentElement.lang || '').indexOf('zh') === 0;
  var seen = Date.now();
  var warnBefore = Math.min(180000, idle / 3);
  var box = null;
  var ended = false;

  function say(text, button) {
    if (!box) {
      box = document.createElement('div');
      box.setAttribute('role', 'alert');
      box.className = 'warn idle';
      box.style.cssText = 'position:fixed;left:0;right:0;top:0;z-index:9;margin:0;padding:.8rem 1rem;border-radius:0';
      document.body.appendChild(box);
    }
    box.textContent = text + ' ';
    if (button) box.appendChild(button);
    box.hidden = false;
  }

  function ping() {
    seen = Date.now();
    fetch('/office/keepalive', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) { if (r.status === 401) end(); })
      .catch(function () {});
  }

  function end() {
    if (ended) return;
    ended = true;
    var a = document.createElement('a');
    a.href = '/login?next=' + encodeURIComponent(location.pathname + location.search);
    a.target = '_blank';
    a.rel = 'noopener';
    a.textContent = zh ? '在新窗口登录' : 'Sign in in a new window';
    say(zh ? '您因长时间无操作已退出登录。本页已填写的内容仍在，登录后再提交。'
           : 'You were signed out after a time without activity. What you typed here is still on this page: sign in, then send it.', a);
  }

  function act() {
    if (ended) return;
    if (box) box.hidden = true;
    if (Date.now() - seen > 60000) ping();
  }

  ['keydown', 'input', 'click', 'touchstart'].forEach(function (e) {
    document.addEventListener(e, act, { passive: true });
  });

  setInterval(function () {
    if (ended) return;
    var left = idle - (Date.now() - seen);
    if (left <= 0) { end(); return; }
    if (left <= warnBefore) {
      var b = document.createElement('button');
      b.type = 'button';
      b.textContent = zh ? '继续使用' : 'Keep working';
      b.addEventListener('click', function () { ping(); box.hidden = true; });
      var m = Math.max(1, Math.round(left / 60000));
      say(zh ? '如无操作，将在约 ' + m + ' 分钟后退出登录。' : 'Without activity you will be signed out in about ' + m + ' minute(s).', b);
    }
  }, 10000);
})();
