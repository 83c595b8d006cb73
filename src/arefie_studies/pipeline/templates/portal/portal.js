// Filters of the portal: no server, no library; every row stays visible without JavaScript.
(function () {
  var form = document.getElementById('filtres');
  if (!form) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll('#rapports tbody tr'));
  var status = document.getElementById('compte');
  var fields = ['etude', 'type', 'territoire', 'edition'];
  var params = new URLSearchParams(window.location.search);
  fields.forEach(function (f) {  // a value from the address is used only if it is offered
    var v = params.get(f), sel = form.elements[f];
    if (v && Array.prototype.some.call(sel.options, function (o) { return o.value === v; })) {
      sel.value = v;
    }
  });
  if (params.get('q')) form.elements.q.value = params.get('q');
  function norm(s) { return (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase(); }
  function apply() {
    var q = norm(form.elements.q.value).trim().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = fields.every(function (f) {
        var v = form.elements[f].value;
        return !v || (tr.dataset[f] || '').split(' ').indexOf(v) >= 0;
      });
      var text = norm(tr.textContent);
      ok = ok && q.every(function (w) { return text.indexOf(w) >= 0; });
      tr.hidden = !ok;
      if (ok) shown += 1;
    });
    status.textContent = shown + (shown > 1 ? ' rapports affichés' : ' rapport affiché') +
      ' sur ' + rows.length + '.';
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('reset', function () { setTimeout(apply, 0); });
  form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
  apply();
})();
