// The run viewer's enhancements. The server-rendered tree works without this
// file (native <details>, plain links); with it: lazy loading in place,
// expand/collapse/depth controls, keyboard navigation, a filter over the
// whole record, paths and copy buttons, deep links, and a raw JSON view.
(function () {
  'use strict';

  var viewer, tree, urls, status;

  // ---- Naming nodes ----------------------------------------------------------

  // Nodes carry their position among their parent's children (data-i), not
  // their path: one key can be a megabyte. Positions ("3.0.17", the root "")
  // name a node to the server; JSON Pointers and jq paths, for people, are
  // written from the keys on the page, or asked of the server when the page
  // shows a key cut short.

  function tokensOf(pointer) {
    if (pointer === '') { return []; }
    return pointer.slice(1).split('/').map(function (t) {
      return t.replace(/~1/g, '/').replace(/~0/g, '~');
    });
  }

  function isContainer(el) { return el && el.tagName === 'DETAILS'; }

  function rowOf(el) { return isContainer(el) ? el.querySelector(':scope > summary') : el; }

  function nodeOfRow(row) { return row.tagName === 'SUMMARY' ? row.parentElement : row; }

  function rootNode() { return tree.querySelector(':scope > .json-node, :scope > .json-leaf'); }

  function parentOf(el) { return el.parentElement.closest('details.json-node'); }

  function isRoot(el) { return el.dataset.i === undefined; }

  function positionsOf(el) {
    var positions = [];
    for (var node = el; !isRoot(node); node = parentOf(node)) { positions.unshift(Number(node.dataset.i)); }
    return positions;
  }

  function atOf(el) { return positionsOf(el).join('.'); }

  function walk(positions) {
    // The deepest node on the way to `positions` that the page holds, and how far down it is.
    var node = rootNode();
    var depth = 0;
    while (depth < positions.length && isContainer(node)) {
      var child = node.querySelector(':scope > .json-children > [data-i="' + positions[depth] + '"]');
      if (!child) { break; }
      node = child;
      depth += 1;
    }
    return { node: node, depth: depth };
  }

  function keyOf(el) {
    // The key as the page shows it, or null when the page shows it cut short or escaped.
    var key = rowOf(el).querySelector(':scope > .json-key');
    return key && !key.classList.contains('json-key-partial') ? key.textContent : null;
  }

  function pathsOf(steps) {
    // {pointer, jq} from each step's token, and whether it indexes an array
    // (a key "3" and an index 3 differ in jq).
    var pointer = '';
    var jq = '';
    steps.forEach(function (step) {
      pointer += '/' + step.token.replace(/~/g, '~0').replace(/\//g, '~1');
      if (step.inArray) {
        jq += '[' + step.token + ']';
      } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(step.token)) {
        jq += '.' + step.token;
      } else {
        jq += '[' + JSON.stringify(step.token) + ']';
      }
    });
    return { pointer: pointer, jq: jq === '' ? '.' : (jq[0] === '[' ? '.' + jq : jq) };
  }

  var described = new WeakMap();

  function describe(el) {
    // A promise of the node's {pointer, jq}.
    if (described.has(el)) { return described.get(el); }
    var steps = [];
    var cut = false;
    for (var node = el; !isRoot(node); node = parentOf(node)) {
      var inArray = parentOf(node).classList.contains('json-array');
      var token = inArray ? node.dataset.i : keyOf(node);
      cut = cut || token === null;
      steps.unshift({ token: token, inArray: inArray });
    }
    var paths = cut ? getText(withParam(urls.locate, 'at', atOf(el))).then(function (text) {
      var tokens = tokensOf(JSON.parse(text).pointer);
      return pathsOf(steps.map(function (step, i) { return { token: tokens[i], inArray: step.inArray }; }));
    }) : Promise.resolve(pathsOf(steps));
    described.set(el, paths);
    paths.catch(function () { described.delete(el); });
    return paths;
  }

  function linkTo(pointer) {
    var hash = '#' + pointer.split('/').map(encodeURIComponent).join('/');
    return location.href.split('#')[0] + hash;
  }

  // ---- Small helpers --------------------------------------------------------

  function say(message) { status.textContent = message; }

  function copy(text, what) {
    navigator.clipboard.writeText(text).then(
      function () { say('Copied ' + what + '.'); },
      function () { say('Could not copy: the browser refused clipboard access.'); }
    );
  }

  function getText(url) {
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html, application/json' } })
      .then(function (response) {
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.text();
      });
  }

  function withParam(url, name, value) {
    return url + (url.indexOf('?') === -1 ? '?' : '&') + name + '=' + encodeURIComponent(value);
  }

  // ---- Decorating values ----------------------------------------------------

  // Created on first use: making an Intl formatter loads locale data, 20-140 ms
  // that the first paint must not wait for.
  var relative;
  var units = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];

  function relativeTime(date) {
    relative = relative || new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
    var seconds = (date.getTime() - Date.now()) / 1000;
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1] || units[i][0] === 'second') {
        return relative.format(Math.round(seconds / units[i][1]), units[i][0]);
      }
    }
    return '';
  }

  function decorateTime(el) {
    var date = new Date(el.getAttribute('datetime'));
    if (isNaN(date.getTime())) { return; }
    el.title = date.toLocaleString();
    var note = document.createElement('span');
    note.className = 'json-reltime';
    note.textContent = relativeTime(date);
    el.after(note);
  }

  function decorate(root) {
    root.querySelectorAll('time.json-time:not([title])').forEach(decorateTime);
  }

  function afterFirstPaint(callback) {
    // Work the first screen can do without waits for the load event, the
    // frame after it, and then an idle moment, so it never delays that frame.
    function idle() {
      if (window.requestIdleCallback) { requestIdleCallback(callback, { timeout: 500 }); } else { setTimeout(callback, 0); }
    }
    function nextFrame() { requestAnimationFrame(idle); }
    if (document.readyState === 'complete') { nextFrame(); } else { window.addEventListener('load', nextFrame, { once: true }); }
  }

  // ---- Loading more of the tree ----------------------------------------------

  function loadMore(link) {
    if (link.dataset.loading) { return Promise.resolve(); }
    link.dataset.loading = 'true';
    link.textContent = 'Loading…';
    return getText(withParam(link.getAttribute('href'), 'fragment', '1')).then(function (html) {
      var holder = document.createElement('template');
      holder.innerHTML = html;
      decorate(holder.content);
      link.replaceWith(holder.content);
    }, function (error) {
      delete link.dataset.loading;
      link.textContent = 'Could not load (' + error.message + '); try again';
    });
  }

  function placeholderLink(details) {
    var children = details.querySelector(':scope > .json-children');
    var first = children && children.firstElementChild;
    return first && first === children.lastElementChild && first.classList.contains('json-more') ? first : null;
  }

  function loadRegion(details, focus) {
    // Re-render a container's children with the way to `focus` (positions below it) open.
    var url = withParam(withParam(urls.tree, 'at', atOf(details)), 'focus', focus);
    return getText(withParam(url, 'fragment', '1')).then(function (html) {
      var children = details.querySelector(':scope > .json-children');
      children.innerHTML = html;
      decorate(children);
    });
  }

  function reveal(at) {
    // Find the node at positions `at`, loading what lies between it and what is
    // on the page: one request, or a few when the way is too long for one response.
    var positions = at === '' ? [] : at.split('.').map(Number);
    function from(lastDepth) {
      var reached = walk(positions);
      if (reached.depth === positions.length) { return Promise.resolve(reached.node); }
      if (reached.depth <= lastDepth || !isContainer(reached.node)) { return Promise.resolve(null); }
      return loadRegion(reached.node, positions.slice(reached.depth).join('.')).then(function () {
        return from(reached.depth);
      });
    }
    return from(-1);
  }

  function openAncestors(el) {
    for (var node = el.parentElement; node && node !== tree; node = node.parentElement) {
      if (node.tagName === 'DETAILS') { node.open = true; }
    }
  }

  function highlight(el, className) {
    tree.querySelectorAll('.' + className).forEach(function (old) { old.classList.remove(className); });
    el.classList.add(className);
    openAncestors(el);
    var row = rowOf(el);
    row.scrollIntoView({ block: 'center' });
  }

  function show(at, className) {
    return reveal(at).then(function (el) {
      if (el) { highlight(el, className); } else { say('That node is not in this record any more; reload the page.'); }
      return el;
    }, function (error) { say('Could not load that part of the record (' + error.message + ').'); });
  }

  // ---- Opening and closing ---------------------------------------------------

  function setDepth(scope, depth) {
    // Open containers of `scope` less than `depth` levels below it, close the
    // rest. Containers not loaded yet stay closed: opening them all could
    // mean thousands of requests; they load when opened one by one.
    var skipped = 0;
    var opened = 0;
    var stack = [[scope, 0]];
    while (stack.length) {
      var item = stack.pop();
      var node = item[0];
      var want = item[1] < depth;
      if (want && placeholderLink(node)) { skipped += 1; want = false; }
      if (want) { opened += 1; }
      if (node.open !== want) { node.open = want; }
      node.querySelectorAll(':scope > .json-children > details.json-node').forEach(function (child) {
        stack.push([child, item[1] + 1]);
      });
    }
    if (depth === Infinity) {
      say('Opened ' + opened.toLocaleString() + ' loaded nodes' +
        (skipped ? '; ' + skipped.toLocaleString() + ' not loaded yet stay closed (open one to load it).' : '.'));
    } else if (depth === 0) {
      say('Collapsed.');
    } else {
      say('Opened to depth ' + depth + (skipped ? '; ' + skipped.toLocaleString() + ' not loaded yet stay closed.' : '.'));
    }
  }

  var DEPTHS = { expand: Infinity, collapse: 0, depth1: 1, depth2: 2, depth3: 3 };

  // ---- Keyboard -------------------------------------------------------------

  function visibleRows() {
    // Rows not inside a closed node. From the DOM, not from layout: offsetParent
    // forces a layout, and Chromium keeps a closed <details>' contents laid out
    // (content-visibility: hidden), so it is not null there.
    return Array.prototype.filter.call(tree.querySelectorAll('summary, .json-leaf, .json-more'), function (row) {
      return !row.closest('details:not([open]) > .json-children');
    });
  }

  function focusRow(row) {
    if (!row) { return; }
    if (row.tagName !== 'SUMMARY' && row.tagName !== 'A') { row.tabIndex = -1; }
    row.focus();
    row.scrollIntoView({ block: 'nearest' });
  }

  function onTreeKey(event) {
    var row = event.target.closest('summary, .json-leaf, .json-more');
    if (!row || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var node = row.classList.contains('json-more') ? null : nodeOfRow(row);
    var rows, index;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        rows = visibleRows();
        index = rows.indexOf(row) + (event.key === 'ArrowDown' ? 1 : -1);
        focusRow(rows[Math.max(0, Math.min(rows.length - 1, index))]);
        break;
      case 'ArrowRight':
        if (isContainer(node) && !node.open) { node.open = true; } else if (isContainer(node)) {
          focusRow(node.querySelector(':scope > .json-children > *'));
        }
        break;
      case 'ArrowLeft':
        if (isContainer(node) && node.open) { node.open = false; } else {
          var parent = node ? parentOf(node) : row.closest('details.json-node');
          if (parent) { focusRow(rowOf(parent)); }
        }
        break;
      case 'Home': rows = visibleRows(); focusRow(rows[0]); break;
      case 'End': rows = visibleRows(); focusRow(rows[rows.length - 1]); break;
      default:
        if (node && runAction(keyActions[event.key], node)) { break; }
        return;
    }
    event.preventDefault();
  }

  // ---- The node bar: path, copy buttons, subtree controls -------------------

  var bar, barNode, hideTimer;
  var keyActions = { c: 'copy-path', p: 'copy-pointer', v: 'copy-value', l: 'copy-link',
    '*': 'expand', '-': 'collapse', '1': 'depth1', '2': 'depth2', '3': 'depth3' };

  function showBar(node) {
    clearTimeout(hideTimer);
    barNode = node;
    // Hovered or focused before the idle decoration reached it: decorate now.
    var stamp = isContainer(node) ? null : node.querySelector('time.json-time:not([title])');
    if (stamp) { decorateTime(stamp); }
    bar.querySelectorAll('.container-only').forEach(function (el) { el.hidden = !isContainer(node); });
    var path = bar.querySelector('.node-path');
    var pointer = bar.querySelector('.node-pointer');
    path.textContent = '…';
    pointer.textContent = '';
    placeBar(node);
    describe(node).then(function (paths) {
      if (barNode !== node) { return; }
      path.textContent = paths.jq;
      pointer.textContent = paths.pointer || '/';
      placeBar(node);
    }, function () { if (barNode === node) { path.textContent = '(path not available)'; } });
  }

  function placeBar(node) {
    // The bar is positioned within .run-viewer: place it on the row's line,
    // at the tree's right edge.
    var rect = rowOf(node).getBoundingClientRect();
    var treeRect = tree.getBoundingClientRect();
    var origin = viewer.getBoundingClientRect();
    bar.hidden = false;
    // Measured at the left edge: nearer the right, the bar would be squeezed to fit.
    bar.style.left = '0px';
    bar.style.top = (rect.top - origin.top + (rect.height - bar.offsetHeight) / 2) + 'px';
    bar.style.left = Math.max(0, treeRect.right - origin.left - bar.offsetWidth - 4) + 'px';
  }

  function hideBarSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { bar.hidden = true; }, 400);
  }

  function copyPath(node, what) {
    describe(node).then(function (paths) {
      if (what === 'path') { copy(paths.jq, 'the path ' + paths.jq); }
      if (what === 'pointer') { copy(paths.pointer || '/', 'the pointer ' + (paths.pointer || '/')); }
      if (what === 'link') {
        var link;
        // encodeURIComponent throws on a lone surrogate, which a JSON key may hold.
        try { link = linkTo(paths.pointer); } catch (error) { say('This node’s path holds a character no link can carry.'); return; }
        copy(link, 'a link to this node');
      }
    }, function (error) { say('Could not work out the path (' + error.message + ').'); });
  }

  function runAction(action, node) {
    if (!action) { return false; }
    if (action === 'copy-path') { copyPath(node, 'path'); }
    if (action === 'copy-pointer') { copyPath(node, 'pointer'); }
    if (action === 'copy-link') { copyPath(node, 'link'); }
    if (action === 'copy-value') {
      // From the server: exact integers, whole strings, parts not yet loaded.
      getText(withParam(withParam(urls.raw, 'at', atOf(node)), 'pretty', '1')).then(
        function (text) { copy(text, 'the value as JSON'); },
        function (error) { say('Could not fetch the value (' + error.message + ').'); }
      );
    }
    if (action in DEPTHS) {
      if (!isContainer(node)) { return false; }
      setDepth(node, DEPTHS[action]);
    }
    return true;
  }

  // ---- Filter ---------------------------------------------------------------

  // Matches come from the server in pages of positions, fetched as stepping
  // reaches them, so the count and stepping cover the whole record.
  var search = { query: '', total: 0, current: -1, pages: {}, pageSize: 1 };
  var searchTimer;

  function matchAt(index) {
    var offset = Math.floor(index / search.pageSize) * search.pageSize;
    var page = search.pages[offset];
    if (page) { return Promise.resolve(page[index - offset]); }
    var query = search.query;
    return getText(withParam(withParam(urls.search, 'q', query), 'offset', offset)).then(function (text) {
      var result = JSON.parse(text);
      if (query === search.query) { search.pages[offset] = result.nodes; }
      return result.nodes[index - offset];
    });
  }

  function showMatch(index) {
    if (!search.total) { return; }
    search.current = (index + search.total) % search.total;
    var wanted = search.current;
    viewer.querySelector('.filter-count').textContent =
      (wanted + 1).toLocaleString() + ' of ' + search.total.toLocaleString();
    matchAt(wanted).then(function (at) {
      if (wanted === search.current && at !== undefined) { show(at, 'json-hit'); }
    });
  }

  function runSearch(query) {
    var count = viewer.querySelector('.filter-count');
    search = { query: query, total: 0, current: -1, pages: {}, pageSize: 1 };
    if (!query) {
      count.textContent = '';
      tree.querySelectorAll('.json-hit').forEach(function (el) { el.classList.remove('json-hit'); });
      return;
    }
    count.textContent = 'Searching…';
    getText(withParam(urls.search, 'q', query)).then(function (text) {
      if (query !== search.query) { return; }
      var result = JSON.parse(text);
      search.total = result.count;
      search.pageSize = Math.max(1, result.nodes.length);
      search.pages[0] = result.nodes;
      if (!search.total) { count.textContent = 'No matches'; return; }
      showMatch(0);
    }, function (error) { count.textContent = 'Search failed (' + error.message + ')'; });
  }

  // ---- Raw view ---------------------------------------------------------------

  var RAW_SHOWN_CHARS = 2000000;

  function toggleRaw(button) {
    var raw = viewer.querySelector('.raw-view');
    var showRaw = raw.hidden;
    raw.hidden = !showRaw;
    tree.hidden = showRaw;
    button.setAttribute('aria-pressed', String(showRaw));
    button.textContent = showRaw ? 'Tree view' : 'Raw JSON view';
    if (showRaw && !raw.dataset.loaded) {
      raw.dataset.loaded = 'true';
      var pre = raw.querySelector('pre');
      pre.textContent = 'Loading…';
      getText(withParam(urls.raw, 'pretty', '1')).then(function (text) {
        raw.fullText = text;
        pre.textContent = text.length > RAW_SHOWN_CHARS ? text.slice(0, RAW_SHOWN_CHARS) : text;
        if (text.length > RAW_SHOWN_CHARS) {
          say('The raw view shows the first ' + RAW_SHOWN_CHARS.toLocaleString() + ' of ' +
            text.length.toLocaleString() + ' characters; Copy all and Download have everything.');
        }
      }, function (error) { pre.textContent = 'Could not load the raw JSON (' + error.message + ').'; });
    }
  }

  // ---- Wiring -------------------------------------------------------------------

  function onClick(event) {
    var more = event.target.closest('a.json-more');
    if (more && tree.contains(more)) {
      event.preventDefault();
      var details = more.closest('details.json-node');
      loadMore(more).then(function () { if (details) { focusRow(rowOf(details)); } });
      return;
    }
    var showAll = event.target.closest('a.json-show-all');
    if (showAll) {
      event.preventDefault();
      getText(showAll.getAttribute('href')).then(function (text) {
        var value = JSON.parse(text);
        var span = showAll.previousElementSibling;
        span.textContent = JSON.stringify(value);
        span.classList.remove('json-truncated');
        showAll.remove();
      });
      return;
    }
    var control = event.target.closest('[data-tree-action]');
    if (control) {
      var action = control.getAttribute('data-tree-action');
      if (control.closest('.node-bar')) { runAction(action, barNode); return; }
      if (action === 'raw') { toggleRaw(control); }
      if (action === 'next') { showMatch(search.current + 1); }
      if (action === 'previous') { showMatch(search.current - 1); }
      if (action === 'copy-all') {
        var raw = viewer.querySelector('.raw-view');
        if (raw.fullText) { copy(raw.fullText, 'the whole record'); }
      }
      if (action in DEPTHS) {
        var root = tree.querySelector('details.json-node');
        setDepth(root, DEPTHS[action]);
        root.open = true;  // the whole tree keeps its top level in view
      }
    }
  }

  function onToggle(event) {
    var details = event.target;
    if (details.open && isContainer(details)) {
      var link = placeholderLink(details);
      if (link && link.dataset.offset === '0') { loadMore(link); }
    }
  }

  function followHash() {
    // The fragment is a JSON Pointer; the server knows where it leads.
    var hash = location.hash.slice(1);
    if (hash === '' || hash[0] !== '/') { return; }
    var pointer;
    try { pointer = decodeURIComponent(hash); } catch (error) { return; }
    getText(withParam(urls.locate, 'pointer', pointer)).then(function (text) {
      return show(JSON.parse(text).at, 'json-target');
    }, function (error) {
      say(error.message === 'HTTP 404' ? 'Nothing at ' + pointer + ' in this record.' :
        'Could not look up ' + pointer + ' (' + error.message + ').');
    }).then(function (el) {
      if (isContainer(el)) { el.open = true; }  // a linked object or array shows its contents
    });
  }

  function init() {
    viewer = document.querySelector('.run-viewer');
    if (!viewer) { return; }
    tree = viewer.querySelector('.json-tree');
    status = viewer.querySelector('.viewer-status');
    bar = viewer.querySelector('.node-bar');
    urls = { tree: viewer.dataset.treeUrl, search: viewer.dataset.searchUrl, raw: viewer.dataset.rawUrl,
      locate: viewer.dataset.locateUrl };
    viewer.querySelectorAll('[data-needs-js]').forEach(function (el) { el.hidden = false; });
    afterFirstPaint(function () { decorate(tree); });

    viewer.addEventListener('click', onClick);
    tree.addEventListener('toggle', onToggle, true);  // toggle does not bubble
    tree.addEventListener('keydown', onTreeKey);
    tree.addEventListener('mouseover', function (event) {
      var row = event.target.closest('summary, .json-leaf');
      if (row) { showBar(nodeOfRow(row)); }
    });
    tree.addEventListener('focusin', function (event) {
      var row = event.target.closest('summary, .json-leaf');
      if (row) { showBar(nodeOfRow(row)); }
    });
    tree.addEventListener('mouseleave', hideBarSoon);
    bar.addEventListener('mouseenter', function () { clearTimeout(hideTimer); });
    bar.addEventListener('mouseleave', hideBarSoon);

    var filter = viewer.querySelector('.filter-input');
    filter.addEventListener('input', function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () { runSearch(filter.value.trim()); }, 200);
    });
    filter.addEventListener('keydown', function (event) {
      if (event.key !== 'Enter') { return; }
      event.preventDefault();
      if (filter.value.trim() !== search.query) { clearTimeout(searchTimer); runSearch(filter.value.trim()); return; }
      showMatch(search.current + (event.shiftKey ? -1 : 1));
    });
    document.addEventListener('keydown', function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
      if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        filter.focus();
        filter.select();
      }
    });
    window.addEventListener('hashchange', followHash);
    followHash();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
