/**
 * The HTML view's script, run in the browser: reads the embedded JSON, lays each graph out with dagre
 * (inlined before it, as the global `dagre`) as a compound graph whose clusters are the actor groups,
 * draws it as SVG, and wires the details panel, the original/optimized switch, zoom and the optimizer
 * report. Plain ES2020 in a string (no build step, no template literals inside) so the page stays one
 * self-contained file; every text from the plan is set with textContent, never parsed as HTML.
 *
 * Composite scopes (`stream.apply`) are dashed boxes (`[data-scope]`); clicking a box's title collapses
 * it into one node (`[data-scope-collapsed]`), clicking that node expands it again.
 *
 * Test hooks: `[data-node-id]` per IR node, `[data-group]` per actor group, `#details [data-field]`,
 * `#view-original` / `#view-optimized`, `body[data-view]`, `#report [data-pass]`.
 */
export const HTML_CLIENT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('inspect-data').textContent);
  var P = data.palette;
  var SVG = 'http://www.w3.org/2000/svg';
  var FONT = 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif';
  var MONO = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace';
  var measure = document.createElement('canvas').getContext('2d');
  var state = { view: data.initial, selected: null, zoom: 1, size: { width: 0, height: 0 }, collapsed: {} };

  function textWidth(text, font) { measure.font = font; return measure.measureText(text).width; }
  function svg(tag, attrs, parent) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function html(tag, attrs, text, parent) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (parent) parent.appendChild(e);
    return e;
  }
  function at(src) { return src ? src.file + ':' + src.line + ':' + src.column : '?'; }
  function short(src) { return src ? src.file + ':' + src.line : ''; }
  function groupTitle(g) { return g.name + ' \u00d7' + g.count + ' \u00b7 ' + g.device + ' \u00b7 ' + g.host; }
  function className(g) { return g.actorClass.slice(g.actorClass.lastIndexOf('#') + 1); }
  function colors(node) { return node.placement.on === 'driver' ? P.driver : P[node.placement.device]; }
  function current() { return data.views[state.view]; }
  function nodeById(id) { return current().nodes.find(function (n) { return n.id === id; }); }
  function groupByName(name) { return current().groups.find(function (g) { return g.name === name; }); }

  /** The text lines drawn inside a node box: [text, font, fill]. */
  function nodeLines(node) {
    // A fused node's name concatenates its members' names: title it by its size and list the members.
    var title = node.members ? 'fused \u00d7' + node.members.length + ' (' + node.id + ')' : node.name;
    var lines = [[title, '600 12px ' + FONT, node.members ? P.fused.stroke : '#111'], [node.kind, '10.5px ' + MONO, '#444']];
    if (node.members) {
      node.members.forEach(function (m, i) { lines.push([(i + 1) + '. ' + m.name + (m.source ? '  ' + short(m.source) : ''), '10.5px ' + FONT, P.fused.stroke]); });
    }
    var settings = settingsLine(node);
    if (settings) lines.push([settings, '10px ' + MONO, '#333']);
    if (node.source) lines.push([short(node.source), '10px ' + MONO, '#666']);
    return lines;
  }
  /** The stage's plain-data settings on one line (as the DOT and Mermaid labels show them). */
  function settingsLine(node) {
    if (!node.stageArgs || !node.stageArgs.length) return '';
    var text = node.stageArgs.map(function (a) {
      if (a && typeof a === 'object' && !Array.isArray(a)) return Object.keys(a).map(function (k) { return k + '=' + JSON.stringify(a[k]); }).join(' ');
      return JSON.stringify(a);
    }).join(', ');
    return text.length <= 60 ? text : text.slice(0, 59) + '\u2026';
  }
  /** The composite scope boxes a node sits in, outermost first: ids 'scope:<container>:<path>'. */
  function scopeIds(node) {
    var container = node.placement.on === 'driver' ? 'driver' : node.placement.group;
    var path = node.scope || [];
    return path.map(function (_, d) { return 'scope:' + container + ':' + path.slice(0, d + 1).join('/'); });
  }
  /** The id a node is drawn as: itself, or the outermost collapsed scope box it is in. */
  function shownAs(node) {
    var ids = scopeIds(node);
    for (var d = 0; d < ids.length; d++) if (state.collapsed[ids[d]]) return ids[d];
    return node.id;
  }
  function toggleScope(id) {
    state.collapsed[id] = !state.collapsed[id];
    render();
  }
  function boxSize(lines) {
    var w = 0;
    lines.forEach(function (l) { w = Math.max(w, textWidth(l[0], l[1])); });
    return { width: Math.ceil(w) + 22, height: lines.length * 15 + 12 };
  }

  function layout(view) {
    var g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 34, edgesep: 14, marginx: 24, marginy: 24 });
    g.setDefaultEdgeLabel(function () { return {}; });
    view.groups.forEach(function (grp) {
      g.setNode('group:' + grp.name, { cluster: grp });
      var lines = [[className(grp) + ' \u00d7' + grp.count, '600 12px ' + FONT, '#111'], ['actors \u00b7 ' + grp.device + (grp.prefers && grp.prefers !== grp.device ? ' (prefers ' + grp.prefers + ')' : ''), '10.5px ' + FONT, '#444']];
      var v = grp.vectorizable;
      if (v) lines.push([v.what + ': ' + (v.batch ? v.batch + ' row(s)/call' : 'one call per item'), '10.5px ' + FONT, '#444']);
      var size = boxSize(lines);
      g.setNode('actors:' + grp.name, { actors: grp, lines: lines, width: size.width, height: size.height });
      g.setParent('actors:' + grp.name, 'group:' + grp.name);
    });
    var shown = {};
    view.nodes.forEach(function (node) {
      var groupBox = node.placement.on === 'actors' && g.hasNode('group:' + node.placement.group) ? 'group:' + node.placement.group : undefined;
      var parent = groupBox;
      var id = shownAs(node);
      shown[node.id] = id;
      // Composite scopes (stream.apply) are boxes inside the group's box (or at the top for driver stages).
      var ids = scopeIds(node);
      for (var d = 0; d < ids.length; d++) {
        var path = (node.scope || []).slice(0, d + 1).join('/');
        if (state.collapsed[ids[d]]) {
          var box = g.node(ids[d]);
          if (!box) {
            var boxLines = [[path, '600 12px ' + FONT, P.scope], ['composite \u00b7 click to expand', '10.5px ' + FONT, '#444']];
            var bs = boxSize(boxLines);
            g.setNode(ids[d], { collapsedScope: { id: ids[d], path: path, count: 0 }, lines: boxLines, width: bs.width, height: bs.height });
            if (parent) g.setParent(ids[d], parent);
            box = g.node(ids[d]);
          }
          box.collapsedScope.count++;
          break;
        }
        if (!g.hasNode(ids[d])) {
          g.setNode(ids[d], { scopeBox: { id: ids[d], path: path } });
          if (parent) g.setParent(ids[d], parent);
        }
        parent = ids[d];
      }
      if (id !== node.id) return;
      var lines = nodeLines(node);
      var size = boxSize(lines);
      g.setNode(node.id, { node: node, lines: lines, width: size.width, height: size.height });
      if (parent) g.setParent(node.id, parent);
    });
    var seen = {};
    function edge(from, to, label, kind, key, reversed) {
      // Edges of nodes inside a collapsed scope attach to its box; edges inside it disappear.
      from = shown[from] || from;
      to = shown[to] || to;
      if (from === to || seen[from + '>' + to + '>' + kind]) return;
      seen[from + '>' + to + '>' + kind] = true;
      g.setEdge(from, to, { label: label, kind: kind, reversed: !!reversed, width: textWidth(label, '10.5px ' + FONT) + 8, height: 14, labelpos: 'c' }, key);
    }
    view.edges.forEach(function (e, i) { edge(e.from, e.to, e.type, 'data', 'data' + i); });
    // A call edge is laid out from the actors to the caller (drawn with the arrow at the actors): as a
    // rank constraint "actors below their last caller" would stretch the group's cluster over the plan.
    view.calls.forEach(function (c, i) { edge('actors:' + c.group, c.from, c.method + '()', 'call', 'call' + i, true); });
    view.queueLinks.forEach(function (q, i) { edge(q.from, q.to, 'queue ' + q.queue, 'queue', 'queue' + i); });
    dagre.layout(g);
    return g;
  }

  function pathOf(points) {
    var d = 'M' + points[0].x + ',' + points[0].y;
    for (var i = 1; i < points.length - 1; i++) {
      var mx = (points[i].x + points[i + 1].x) / 2, my = (points[i].y + points[i + 1].y) / 2;
      d += ' Q' + points[i].x + ',' + points[i].y + ' ' + (i === points.length - 2 ? points[i + 1].x + ',' + points[i + 1].y : mx + ',' + my);
    }
    if (points.length === 2) d += ' L' + points[1].x + ',' + points[1].y;
    return d;
  }

  function drawLines(parent, lines, x0, y0) {
    lines.forEach(function (l, i) {
      var t = svg('text', { x: x0 + 11, y: y0 + 20 + i * 15, fill: l[2] }, parent);
      t.style.font = l[1];
      t.textContent = l[0];
    });
  }

  function render() {
    var view = current();
    var g = layout(view);
    var host = document.getElementById('graph');
    host.textContent = '';
    var graph = g.graph();
    state.size = { width: Math.ceil(graph.width), height: Math.ceil(graph.height) + 20 };
    var root = svg('svg', { id: 'graph-svg', viewBox: '0 -20 ' + state.size.width + ' ' + state.size.height, role: 'img', 'aria-label': 'plan graph ' + view.name }, host);
    var defs = svg('defs', {}, root);
    [['data', '#555'], ['call', P.call], ['queue', P.queue]].forEach(function (m) {
      var marker = svg('marker', { id: 'arrow-' + m[0], viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: m[1] }, marker);
    });
    var clusters = svg('g', { class: 'clusters' }, root);
    var edges = svg('g', { class: 'edges' }, root);
    var nodes = svg('g', { class: 'nodes' }, root);
    g.nodes().forEach(function (id) {
      var n = g.node(id);
      if (!n.scopeBox) return;
      var top = n.y - n.height / 2 - 16;
      var sg = svg('g', { class: 'scope', 'data-scope': n.scopeBox.path, tabindex: 0, role: 'button' }, clusters);
      svg('rect', { x: n.x - n.width / 2, y: top, width: n.width, height: n.height + 16, rx: 6, fill: 'none', stroke: P.scope, 'stroke-width': 1.2, 'stroke-dasharray': '5 3' }, sg);
      var label = svg('text', { class: 'cluster-label', x: n.x - n.width / 2 + 8, y: top + 13, fill: P.scope }, sg);
      label.textContent = '\u25be ' + n.scopeBox.path;
      var hint = svg('title', {}, sg);
      hint.textContent = 'composite ' + n.scopeBox.path + ': click to collapse';
      sg.addEventListener('click', function (ev) { if (ev.target === label || ev.target === sg) toggleScope(n.scopeBox.id); });
      label.style.cursor = 'pointer';
    });
    g.nodes().forEach(function (id) {
      var n = g.node(id);
      if (!n.cluster) return;
      var grp = n.cluster;
      var c = grp.device === 'gpu' ? P.gpuGroup : P.cpuGroup;
      // dagre reserves no room for a cluster title: grow the box upwards into the rank gap.
      var top = n.y - n.height / 2 - 18;
      var cg = svg('g', { class: 'cluster', 'data-group': grp.name, 'data-device': grp.device }, clusters);
      svg('rect', { x: n.x - n.width / 2, y: top, width: n.width, height: n.height + 18, rx: 8, fill: c.fill, stroke: c.stroke, 'stroke-width': 1.5 }, cg);
      var label = svg('text', { class: 'cluster-label', x: n.x - n.width / 2 + 10, y: top + 15, fill: grp.device === 'gpu' ? P.gpu.stroke : P.cpu.stroke }, cg);
      label.textContent = groupTitle(grp);
    });
    g.edges().forEach(function (ref) {
      var e = g.edge(ref);
      var color = e.kind === 'data' ? '#555' : e.kind === 'call' ? P.call : P.queue;
      var eg = svg('g', { class: 'edge', 'data-edge-kind': e.kind, 'data-from': e.reversed ? ref.w : ref.v, 'data-to': e.reversed ? ref.v : ref.w }, edges);
      var line = { d: pathOf(e.points), fill: 'none', stroke: color, 'stroke-width': 1.4, 'stroke-dasharray': e.kind === 'data' ? 'none' : '5 4' };
      line[e.reversed ? 'marker-start' : 'marker-end'] = 'url(#arrow-' + e.kind + ')';
      svg('path', line, eg);
      if (e.x !== undefined) {
        svg('rect', { class: 'edge-label-bg', x: e.x - e.width / 2, y: e.y - 8, width: e.width, height: 15, rx: 3 }, eg);
        var t = svg('text', { class: 'edge-label', x: e.x, y: e.y + 4, 'text-anchor': 'middle', fill: color }, eg);
        t.textContent = e.label;
      }
    });
    g.nodes().forEach(function (id) {
      var n = g.node(id);
      if (n.cluster || n.scopeBox) return;
      var x0 = n.x - n.width / 2, y0 = n.y - n.height / 2;
      var ng = svg('g', { class: 'node', tabindex: 0, role: 'button' }, nodes);
      if (n.collapsedScope) {
        ng.setAttribute('data-scope-collapsed', n.collapsedScope.path);
        svg('rect', { class: 'box', x: x0, y: y0, width: n.width, height: n.height, rx: 6, fill: '#ffffff', stroke: P.scope, 'stroke-width': 2, 'stroke-dasharray': '5 3' }, ng);
        ng.addEventListener('click', function () { toggleScope(n.collapsedScope.id); });
      } else if (n.node) {
        var c = colors(n.node);
        ng.setAttribute('data-node-id', n.node.id);
        ng.setAttribute('data-kind', n.node.kind);
        ng.setAttribute('data-placement', n.node.placement.on === 'driver' ? 'driver' : n.node.placement.device);
        if (n.node.members) ng.setAttribute('data-fused', String(n.node.members.length));
        svg('rect', { class: 'box', x: x0, y: y0, width: n.width, height: n.height, rx: 6, fill: c.fill, stroke: n.node.members ? P.fused.stroke : c.stroke, 'stroke-width': n.node.members ? 3 : 1.4, 'stroke-dasharray': n.node.members ? '7 3' : 'none' }, ng);
        ng.addEventListener('click', function () { select({ node: n.node.id }); });
      } else {
        ng.setAttribute('data-group-actors', n.actors.name);
        svg('rect', { class: 'box', x: x0, y: y0, width: n.width, height: n.height, rx: 2, fill: P.actorClass.fill, stroke: '#555', 'stroke-width': 1.2 }, ng);
        svg('line', { x1: x0 + 6, y1: y0, x2: x0 + 6, y2: y0 + n.height, stroke: '#555' }, ng);
        ng.addEventListener('click', function () { select({ group: n.actors.name }); });
      }
      var title = svg('title', {}, ng);
      title.textContent = n.collapsedScope ? n.collapsedScope.count + ' node(s) in ' + n.collapsedScope.path : n.node ? n.node.kind + (n.node.summary ? ': ' + n.node.summary : '') : n.actors.actorClass;
      ng.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); ng.dispatchEvent(new MouseEvent('click')); } });
      drawLines(ng, n.lines, x0, y0);
    });
    applyZoom();
    document.getElementById('counts').textContent = view.nodes.length + ' nodes \u00b7 ' + view.edges.length + ' edges \u00b7 ' + view.groups.length + ' actor group(s)';
    // Keep the selection across views when the node still exists (unchanged by the passes).
    if (state.selected && state.selected.node && !nodeById(state.selected.node)) state.selected = null;
    if (state.selected && state.selected.group && !groupByName(state.selected.group)) state.selected = null;
    showDetails();
  }

  function applyZoom() {
    var s = document.getElementById('graph-svg');
    if (!s) return;
    s.setAttribute('width', String(Math.round(state.size.width * state.zoom)));
    s.setAttribute('height', String(Math.round(state.size.height * state.zoom)));
  }

  function row(dl, label, value, field, mono) {
    html('dt', {}, label, dl);
    var dd = html('dd', { 'data-field': field, class: mono ? 'mono' : '' }, value, dl);
    return dd;
  }
  function nodeLink(parent, id) {
    var n = nodeById(id);
    var a = html('a', { class: 'node-link', 'data-goto': id }, n ? n.name + ' (' + id + ')' : id, parent);
    a.addEventListener('click', function () { select({ node: id }); });
    return a;
  }

  function showDetails() {
    var box = document.getElementById('details');
    box.textContent = '';
    document.querySelectorAll('#graph .selected').forEach(function (e) { e.classList.remove('selected'); });
    var sel = state.selected;
    if (!sel) {
      html('h2', {}, 'Details', box);
      html('p', { class: 'hint' }, 'Click a node or an actor group to see its kind, parameters, types, placement and source location.', box);
      return;
    }
    if (sel.group) return showGroup(box, groupByName(sel.group));
    var node = nodeById(sel.node);
    var mark = document.querySelector('#graph [data-node-id="' + CSS.escape(node.id) + '"]');
    if (mark) mark.classList.add('selected');
    html('h2', { 'data-field': 'name' }, node.name, box);
    var dl = html('dl', {}, undefined, box);
    row(dl, 'Kind', node.kind, 'kind', true);
    row(dl, 'Summary', node.summary || '(unregistered kind)', 'summary');
    row(dl, 'Id', node.id, 'id', true);
    row(dl, 'Placement', node.placement.on === 'driver' ? 'driver' : 'actors of ' + node.placement.group + ' (' + node.placement.device + ')', 'placement');
    row(dl, 'Inputs', node.inputTypes.length ? node.inputTypes.join(', ') : '(none)', 'inputs', true);
    row(dl, 'Output', node.output, 'output', true);
    if (node.stage) row(dl, 'Stage', node.stage, 'stage', true);
    row(dl, 'Source', at(node.source), 'source', true);
    var from = current().edges.filter(function (e) { return e.to === node.id; });
    var to = current().edges.filter(function (e) { return e.from === node.id; });
    var fromDd = row(dl, 'From', from.length ? '' : '(source)', 'from');
    from.forEach(function (e, i) { if (i) fromDd.appendChild(document.createTextNode(', ')); nodeLink(fromDd, e.from); });
    var toDd = row(dl, 'To', to.length ? '' : (current().outputs.indexOf(node.id) >= 0 ? '(plan output)' : '(none)'), 'to');
    to.forEach(function (e, i) { if (i) toDd.appendChild(document.createTextNode(', ')); nodeLink(toDd, e.to); });
    html('h3', {}, 'Parameters', box);
    html('pre', { 'data-field': 'params', class: 'mono' }, Object.keys(node.params).length ? JSON.stringify(node.params, null, 2) : '(none)', box);
    if (node.members) {
      html('h3', {}, 'Fused members (' + node.members.length + ')', box);
      var ol = html('ol', { 'data-field': 'members' }, undefined, box);
      node.members.forEach(function (m) {
        var li = html('li', { 'data-member-id': m.id }, undefined, ol);
        html('strong', {}, m.name, li);
        html('div', { class: 'mono' }, m.kind + ' \u2192 ' + m.output, li);
        if (m.stage) html('div', { class: 'mono' }, m.stage, li);
        html('div', { class: 'mono', 'data-field': 'member-source' }, at(m.source), li);
      });
    }
  }

  function showGroup(box, grp) {
    var mark = document.querySelector('#graph [data-group-actors="' + CSS.escape(grp.name) + '"]');
    if (mark) mark.classList.add('selected');
    html('h2', { 'data-field': 'name' }, 'actor group ' + grp.name, box);
    var dl = html('dl', {}, undefined, box);
    row(dl, 'Actor class', grp.actorClass, 'actor-class', true);
    row(dl, 'Count', grp.count, 'count');
    row(dl, 'Device', grp.device + (grp.prefers ? ' (prefers ' + grp.prefers + ')' : ''), 'device');
    row(dl, 'Host', grp.host, 'host');
    row(dl, 'Resources', JSON.stringify(grp.resources), 'resources', true);
    row(dl, 'Items', grp.itemType, 'items', true);
    if (grp.vectorizable) row(dl, 'Vectorized', grp.vectorizable.what + ': ' + grp.vectorizable.items + ' item(s), ' + (grp.vectorizable.batch ? grp.vectorizable.batch + ' row(s) per call' : 'one call per item'), 'vectorizable');
    row(dl, 'Source', at(grp.source), 'source', true);
    var stages = current().nodes.filter(function (n) { return n.placement.on === 'actors' && n.placement.group === grp.name; });
    var callers = current().calls.filter(function (c) { return c.group === grp.name; });
    var st = row(dl, 'Stages', stages.length ? '' : '(none)', 'stages');
    stages.forEach(function (n, i) { if (i) st.appendChild(document.createTextNode(', ')); nodeLink(st, n.id); });
    var cl = row(dl, 'Called by', callers.length ? '' : '(none)', 'callers');
    callers.forEach(function (c, i) { if (i) cl.appendChild(document.createTextNode(', ')); nodeLink(cl, c.from); cl.appendChild(document.createTextNode(' .' + c.method + '()')); });
    html('h3', {}, 'Constructor arguments', box);
    html('pre', { 'data-field': 'args', class: 'mono' }, JSON.stringify(grp.args, null, 2), box);
  }

  function select(sel) {
    state.selected = sel;
    showDetails();
  }

  function setView(name) {
    state.view = name;
    document.body.setAttribute('data-view', name);
    ['original', 'optimized'].forEach(function (v) { document.getElementById('view-' + v).setAttribute('aria-pressed', String(v === name)); });
    render();
  }

  function renderReport() {
    var box = document.getElementById('report');
    var r = data.report;
    html('h2', {}, 'Optimizer report', box);
    if (!r.pipeline.length) {
      html('p', { class: 'hint' }, 'No passes ran (--no-optimize): the optimized view is the plan as compiled.', box);
      return;
    }
    html('p', { 'data-field': 'pipeline' }, 'Pipeline: ' + r.pipeline.join(' \u2192 ') + ' (' + r.ms.toFixed(1) + ' ms)', box);
    if (r.properties.length) html('p', { class: 'stats' }, 'Properties at the end: ' + r.properties.join(', '), box);
    r.passes.forEach(function (p) {
      var s = p.stats;
      var sec = html('div', { class: 'pass', 'data-pass': p.pass }, undefined, box);
      html('h3', {}, p.pass, sec);
      html('div', {}, p.description, sec);
      var change = s.nodesChanged || s.groupsModified
        ? s.nodesChanged + ' node(s) changed (+' + s.nodesAdded + ' \u2212' + s.nodesRemoved + ' ~' + s.nodesModified + ')' + (s.groupsModified ? ', ' + s.groupsModified + ' group(s)' : '')
        : 'no change';
      html('div', { class: 'stats', 'data-field': 'stats' }, change + '; ' + p.ms.toFixed(1) + ' ms' + (p.runs > 1 ? ', ' + p.runs + ' runs' : '') + (p.verified ? ', verified' : ''), sec);
      if (p.notes.length || p.warnings.length) {
        var ul = html('ul', {}, undefined, sec);
        p.notes.forEach(function (n) { html('li', { 'data-field': 'note' }, (n.at ? n.at + ': ' : '') + n.message, ul); });
        p.warnings.forEach(function (w) { html('li', { class: 'warning' }, w.message, ul); });
      }
      if (p.diff) {
        var pre = html('pre', { class: 'diff mono', 'data-field': 'diff' }, undefined, sec);
        p.diff.split('\n').forEach(function (line) {
          html('span', { class: line.charAt(0) === '+' ? 'add' : line.charAt(0) === '-' ? 'del' : 'ctx' }, line, pre);
        });
      }
    });
  }

  function legend() {
    var box = document.getElementById('legend');
    function item(style, text, cls) {
      var s = html('span', {}, undefined, box);
      var sw = html('span', { class: cls || 'swatch' }, undefined, s);
      for (var k in style) sw.style[k] = style[k];
      s.appendChild(document.createTextNode(text));
    }
    item({ background: P.driver.fill, borderColor: P.driver.stroke }, 'driver');
    item({ background: P.cpu.fill, borderColor: P.cpu.stroke }, 'actors \u00b7 cpu');
    item({ background: P.gpu.fill, borderColor: P.gpu.stroke }, 'actors \u00b7 gpu');
    item({ background: '#fff', borderColor: P.fused.stroke, borderStyle: 'dashed', borderWidth: '2.5px' }, 'fused');
    item({ borderColor: P.call }, 'call to actors', 'line');
    item({ borderColor: P.queue }, 'queue', 'line');
  }

  document.getElementById('view-original').addEventListener('click', function () { setView('original'); });
  document.getElementById('view-optimized').addEventListener('click', function () { setView('optimized'); });
  document.getElementById('zoom-in').addEventListener('click', function () { state.zoom = Math.min(4, state.zoom * 1.25); applyZoom(); });
  document.getElementById('zoom-out').addEventListener('click', function () { state.zoom = Math.max(0.2, state.zoom / 1.25); applyZoom(); });
  document.getElementById('zoom-fit').addEventListener('click', function () {
    var host = document.getElementById('graph');
    state.zoom = Math.min(4, Math.max(0.2, Math.min(host.clientWidth / state.size.width, host.clientHeight / state.size.height)));
    applyZoom();
  });
  legend();
  renderReport();
  setView(data.initial);
  document.body.setAttribute('data-ready', 'true');
})();
`;
