"""The training playback's style and script (viz/playback.py writes the page around them).

The script reads the page's data (templates and per-step numbers, viz.slots), and on every
move of the scrubber refills the network drawing, moves the loss chart's cursor, recolours the
decision boundary or relabels the digits, and puts this step's numbers under the backward
stepper's frames. Everything is scoped to the playback's root element.

Test hooks in the URL fragment: `#at=3` shows the 3rd recorded step (1-based), `#at=last`
the last; `#expand` ticks "expand the modules".
"""

STYLE = """
.chainrule-playback { font-family: Helvetica, Arial, sans-serif; color: #222; margin: .6em 0; }
.chainrule-playback h1 { font-size: 1.25em; margin: 0 0 .5em 0; }
.chainrule-playback .pb-controls { display: flex; flex-wrap: wrap; gap: .5em; align-items: center;
  margin-bottom: .6em; position: sticky; top: 0; background: #fff; z-index: 1; padding: .3em 0; }
.chainrule-playback .pb-controls button { font-size: 1em; padding: .25em .8em; }
.chainrule-playback .pb-slider { width: 22em; }
.chainrule-playback .pb-counter { font-size: 1.05em; }
.chainrule-playback .pb-row { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.chainrule-playback .pb-chart svg, .chainrule-playback .pb-side svg { max-width: 100%; height: auto; }
.chainrule-playback .pb-net { margin-top: .6em; }
.chainrule-playback .pb-netbar { display: flex; flex-wrap: wrap; gap: .5em; align-items: center;
  margin-bottom: .3em; }
.chainrule-playback .pb-netbar button { font-size: 1em; padding: .15em .7em; }
.chainrule-playback .pb-view { overflow: auto; max-height: 80vh; border: 1px solid #eee; }
.chainrule-playback .pb-view svg { max-width: 100%; height: auto; }
.chainrule-playback .pb-view.pb-full svg { max-width: none; }
.chainrule-playback .digits { display: flex; flex-wrap: wrap; gap: .6em; }
.chainrule-playback .digit { margin: 0; text-align: center; font-size: .95em; }
.chainrule-playback .digit img { image-rendering: pixelated; border: 1px solid #ccc; display: block; }
.chainrule-playback .pred.ok { color: #1b7a2e; } .chainrule-playback .pred.bad { color: #c0262d; }
.chainrule-playback details summary { cursor: pointer; margin: .6em 0 .3em 0; font-weight: bold; }
"""

SCRIPT = """
(function (root) {
  if (!root || root.getAttribute('data-ready')) { return; }
  root.setAttribute('data-ready', '1');
  function one(cls) { return root.getElementsByClassName(cls)[0]; }
  var data = JSON.parse(one('pb-data').textContent);
  var steps = data.steps, n = steps.length, current = n - 1, timer = null;
  var slider = one('pb-slider'), prev = one('pb-prev'), next = one('pb-next'), play = one('pb-play');
  var counter = one('pb-counter'), view = one('pb-view'), expand = one('pb-expand');
  var cursor = root.querySelector('.pb-chart line.cursor');
  var xs = cursor ? JSON.parse(cursor.getAttribute('data-x')) : [];
  var cells = root.querySelectorAll('.pb-side .cells rect');
  var preds = root.getElementsByClassName('pred');
  var pres = root.querySelectorAll('.chainrule-stepper .frame pre');
  function esc(t) { return String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'); }
  function fill(pair) {
    var t = data.templates[pair[0]], parts = t[0], order = t[1], texts = pair[1], out = [parts[0]];
    for (var i = 0; i < order.length; i++) { out.push(esc(texts[order[i]]), parts[i + 1]); }
    return out.join('');
  }
  function colour(code) {  // 0..20: sure blue (score < 0) .. white (the boundary) .. sure orange
    var t = (code - 10) / 10, a = Math.min(1, Math.abs(t)) * 0.75;
    var c = t < 0 ? [0, 114, 178] : [213, 94, 0];
    return 'rgb(' + c.map(function (v) { return Math.round(255 + (v - 255) * a); }).join(',') + ')';
  }
  function show(i) {
    current = Math.max(0, Math.min(n - 1, i));
    var s = steps[current];
    slider.value = current;
    counter.textContent = 'training step ' + s.step + ' of ' + data.total + ' (recorded ' + (current + 1) +
      ' of ' + n + '): loss ' + s.loss + ', accuracy ' + s.accuracy + ' on the batch, learning rate ' + s.lr;
    view.innerHTML = fill(expand.checked ? s.full : s.collapsed);
    applyZoom();
    if (cursor && xs.length) {
      cursor.setAttribute('x1', xs[current]);
      cursor.setAttribute('x2', xs[current]);
    }
    if (s.grid) {
      for (var k = 0; k < cells.length; k++) {
        cells[k].setAttribute('fill', colour(s.grid.charCodeAt(k) - 97));
      }
    }
    if (s.pred) {
      for (var p = 0; p < preds.length; p++) {
        var label = preds[p].parentNode.parentNode.getElementsByTagName('img')[0].getAttribute('alt');
        var right = label === 'digit ' + s.pred[p][0];
        preds[p].textContent = 'predicted ' + s.pred[p][0] + ' (' + s.pred[p][1] + ')';
        preds[p].className = 'pred ' + (right ? 'ok' : 'bad');
      }
    }
    if (s.texts) { for (var f = 0; f < pres.length; f++) { pres[f].textContent = s.texts[f]; } }
    prev.disabled = current === 0;
    next.disabled = current === n - 1;
    root.setAttribute('data-at', String(current));
    root.setAttribute('data-training-step', String(s.step));
  }
  // the network's scale: null is each view's own (the modules fit the width; every gate is
  // too wide to shrink to the page and stay legible, so it is drawn at full size, scrolled)
  var zoom = null;
  function wanted() { return zoom === null ? (expand.checked ? 1 : 'fit') : zoom; }
  function clamp(z) { return Math.max(0.1, Math.min(4, z)); }
  function drawn() { return view.getElementsByTagName('svg')[0]; }
  function natural(svg) { return parseFloat(svg.getAttribute('width')) * 1.333; }
  function applyZoom() {
    var svg = drawn(), z = wanted();
    if (!svg) { return; }
    view.className = z === 'fit' ? 'pb-view' : 'pb-view pb-full';
    svg.style.width = z === 'fit' ? '' : (natural(svg) * z) + 'px';
    svg.style.height = 'auto';
    view.setAttribute('data-zoom', String(z));
  }
  function rescale(factor) {
    var svg = drawn(), z = wanted();
    if (z === 'fit') { z = svg ? svg.getBoundingClientRect().width / natural(svg) : 1; }
    zoom = clamp(z * factor);
    applyZoom();
  }
  one('pb-zoomout').addEventListener('click', function () { rescale(1 / 1.25); });
  one('pb-zoomin').addEventListener('click', function () { rescale(1.25); });
  one('pb-fit').addEventListener('click', function () { zoom = 'fit'; applyZoom(); });
  function stop() { if (timer) { clearInterval(timer); timer = null; play.textContent = 'play'; } }
  prev.addEventListener('click', function () { stop(); show(current - 1); });
  next.addEventListener('click', function () { stop(); show(current + 1); });
  slider.addEventListener('input', function () { stop(); show(parseInt(slider.value, 10)); });
  expand.addEventListener('change', function () { zoom = null; show(current); });
  play.addEventListener('click', function () {
    if (timer) { stop(); return; }
    if (current === n - 1) { show(0); }
    play.textContent = 'pause';
    timer = setInterval(function () { if (current >= n - 1) { stop(); } else { show(current + 1); } }, 400);
  });
  root.addEventListener('keydown', function (e) {
    if (e.target.closest && e.target.closest('.chainrule-stepper')) { return; }
    if (e.key === 'ArrowRight') { show(current + 1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft') { show(current - 1); e.preventDefault(); }
  });
  var start = n - 1;
  window.location.hash.replace(/^#/, '').split('&').forEach(function (part) {
    var m = /^at=(\\d+|last)$/.exec(part);
    if (m) { start = m[1] === 'last' ? n - 1 : parseInt(m[1], 10) - 1; }
    if (part === 'expand') { expand.checked = true; }
    var z = /^zoom=(fit|\\d+(?:\\.\\d+)?)$/.exec(part);
    if (z) { zoom = z[1] === 'fit' ? 'fit' : clamp(parseFloat(z[1])); }
  });
  show(start);
})(document.getElementById('__ROOT_ID__'));
"""
