// Refreshes every element with data-k from the summary JSON, without reloading.
(function(){var m=document.querySelector('[data-live]');if(!m||!window.fetch)return;
var u=m.dataset.live;var st=JSON.parse(m.dataset.states||'{}');function pct(x){return (x*100).toFixed(1)+'%'}
function tick(){fetch(u,{credentials:'same-origin'}).then(function(r){return r.ok?r.json():null}).then(function(j){if(!j)return;
j.counts.forEach(function(c){['today','total','flagged'].forEach(function(k){var e=document.querySelector('[data-k="'+c.district+'.'+k+'"]');if(e)e.textContent=c[k]})});
j.estimates.forEach(function(e){if(e.kind!=='proportion'||e.flag==='suppress')return;var k=e.indicator+'@'+e.group;
var el=document.querySelector('[data-k="'+k+'"]');if(el)el.textContent=pct(e.estimate);
var c=document.querySelector('[data-c="'+k+'"]');if(c)c.textContent=(e.ci_low!=null&&e.ci_high!=null?pct(e.ci_low)+'–'+pct(e.ci_high):'—')+' · n='+e.n;
var s=document.querySelector('[data-s="'+k+'"]');if(s&&e.target_status){var w=st[e.target_status.state];if(w){s.textContent=w[0];s.title=w[1];s.parentNode.className=w[2]}}});
var t=document.getElementById('updated');if(t)t.textContent=new Date().toLocaleTimeString()}).catch(function(){})}
setInterval(tick,1000*(+m.dataset.every||15))})()
