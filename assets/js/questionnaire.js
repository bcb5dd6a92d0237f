// The questionnaire's behaviour with JavaScript on: hides questions whose `show_if` is
// not met, ends the page at a screening answer and numbers the questions that show, so
// the numbers run without gaps; reports the first answer (a count, nothing else) and
// filters the long community list as the resident types. Without it every question
// shows and the server applies the same rules.
(function(){var f=document.forms[0];if(!f)return;function v(n){var e=f.elements[n];return e?e.value:''}
function u(){var stop=false,k=0;document.querySelectorAll('fieldset').forEach(function(s){var c=s.dataset.if;var show=!stop&&(!c||c.split('=')[1].split(',').indexOf(v(c.split('=')[0]))>=0);s.hidden=!show;
var q=s.querySelector('.qn');if(q&&s.dataset.q)q.textContent=show?(++k)+'. ':'';
var so=s.dataset.so;if(show&&so&&so.split(',').indexOf(v(s.dataset.q))>=0)stop=true});var n=document.getElementById('so');if(n)n.hidden=!stop}
f.addEventListener('change',u);u();
var sent=0;f.addEventListener('change',function(){var a=new URL(f.action,location.href);if(sent||a.pathname.indexOf('/s/')!==0)return;sent=1;
try{navigator.sendBeacon(a.pathname.replace('/s/','/start/')+'?ch='+encodeURIComponent(v('m.ch')))}catch(e){}});
var cf=f.querySelector('input.cf');if(cf){var sel=cf.nextElementSibling,groups=Array.from(sel.querySelectorAll('optgroup')).map(function(g){return [g,Array.from(g.children)]});cf.hidden=false;
function fl(){var t=cf.value.trim(),d=v(sel.dataset.dq),cur=sel.value,end=sel.querySelector('option[value="dk"]');groups.forEach(function(p){var g=p[0];if(g.parentNode)sel.removeChild(g);g.innerHTML='';
p[1].forEach(function(o){if((!d||o.dataset.d===d)&&(!t||o.textContent.indexOf(t)>=0))g.appendChild(o)});if(g.children.length)sel.insertBefore(g,end)});sel.value=cur}
cf.addEventListener('input',fl);f.addEventListener('change',function(e){if(e.target!==sel)fl();else{var h=f.querySelector('input[value="0"][name$=".here"]');if(h&&sel.value)h.checked=true}});fl()}})()
