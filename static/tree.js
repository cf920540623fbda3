// The run viewer's enhancements. The server-rendered tree works without this
// file (native <details>, plain links); with it: lazy loading in place,
// expand/collapse/depth controls, keyboard navigation, a filter over the
// whole record, paths and copy buttons, deep links, and a raw JSON view.
(function () {
  'use strict';

  // ---- State ------------------------------------------------------------------

  // Everything the viewer remembers, in one place. The elements are found once, by init().
  var state = {
    viewer: null, tree: null, status: null, bar: null, filter: null,
    urls: {},                  // tree, search, raw, locate: from the viewer's data-*-url attributes
    described: new WeakMap(),  // node -> promise of its {pointer, jq}
    loading: new WeakSet(),    // "more" links whose request is on its way
    relative: null,            // the Intl.RelativeTimeFormat, made on first use
    barNode: null,             // the node the node bar is about
    hideTimer: 0,
    search: newSearch(''),     // the filter's query and the matches fetched so far
    searchTimer: 0,
    rawRequested: false,       // the raw view asked for the record
    rawText: null,             // ... and got it
    depthRun: 0,               // counts depth actions: a slow "Expand all" yields to a later one
    ids: 0                     // for ids of rendered Markdown, named by its link's aria-controls
  };

  var RAW_SHOWN_CHARS = 2000000;
  // "Expand all" fetches what is not loaded when the part it opens holds at most
  // EXPAND_LIMIT nodes (the server counts them first), EXPAND_REQUESTS requests at
  // a time, each for EXPAND_CHUNK children (the server's page size).
  var EXPAND_LIMIT = 10000;
  var EXPAND_REQUESTS = 4;
  var EXPAND_CHUNK = 100;
  var UNITS = [['year', 31536000], ['month', 2592000], ['day', 86400], ['hour', 3600], ['minute', 60], ['second', 1]];

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

  function rootNode() { return state.tree.querySelector(':scope > .json-node, :scope > .json-leaf'); }

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

  function jqPath(jq) { return jq === '' ? '.' : (jq[0] === '[' ? '.' + jq : jq); }

  function jqString(key) {
    // The key as a JSON string with ' written \u0027, which jq reads back as ': a
    // path goes inside single quotes (jq '<path>' run.json), and ' is the one
    // character that ends them (JSON.stringify already escapes control characters).
    return JSON.stringify(key).replace(/'/g, '\\u0027');
  }

  function pathsOf(steps) {
    // {pointer, jq} from each step's token, whether it indexes an array (a key
    // "3" and an index 3 differ in jq) and whether it enters JSON held in a
    // string: the pointer goes on through it, as the server's do, and jq parses
    // it: (.body | fromjson).items.
    var pointer = '';
    var jq = '';
    steps.forEach(function (step) {
      pointer += '/' + step.token.replace(/~/g, '~0').replace(/\//g, '~1');
      if (step.inString) { jq = '(' + jqPath(jq) + ' | fromjson)'; }
      if (step.inArray) {
        jq += '[' + step.token + ']';
      } else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(step.token)) {
        jq += '.' + step.token;
      } else {
        jq += '[' + jqString(step.token) + ']';
      }
    });
    return { pointer: pointer, jq: jqPath(jq) };
  }

  function describe(el) {
    // A promise of the node's {pointer, jq}.
    if (state.described.has(el)) { return state.described.get(el); }
    var steps = [];
    var cut = false;
    for (var node = el; !isRoot(node); node = parentOf(node)) {
      var parent = parentOf(node);
      var inArray = parent.classList.contains('json-array');
      var token = inArray ? node.dataset.i : keyOf(node);
      cut = cut || token === null;
      steps.unshift({ token: token, inArray: inArray, inString: parent.classList.contains('json-embedded-node') });
    }
    var paths = cut ? getText(withParam(state.urls.locate, 'at', atOf(el))).then(function (text) {
      var tokens = tokensOf(JSON.parse(text).pointer);
      return pathsOf(steps.map(function (step, i) {
        return { token: tokens[i], inArray: step.inArray, inString: step.inString };
      }));
    }) : Promise.resolve(pathsOf(steps));
    state.described.set(el, paths);
    paths.catch(function () { state.described.delete(el); });
    return paths;
  }

  function linkTo(pointer) {
    var hash = '#' + pointer.split('/').map(encodeURIComponent).join('/');
    return location.href.split('#')[0] + hash;
  }

  // ---- Small helpers --------------------------------------------------------

  function say(message) { state.status.textContent = message; }

  function failed(what) {
    // A handler for a failed request: the page stays as it was and says so
    // in the status line; doing the same thing again tries again.
    return function (error) { say('Could not ' + what + ' (' + error.message + ').'); };
  }

  function copy(text, what) {
    navigator.clipboard.writeText(text).then(
      function () { say('Copied ' + what + '.'); },
      function () { say('Could not copy: the browser refused clipboard access.'); }
    );
  }

  function getText(url) {
    // The body, or a rejection with a short reason: "HTTP 500", "no connection",
    // or when the viewer's limit per minute is used up, how long to wait.
    return fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html, application/json' } })
      .catch(function () { throw new Error('no connection'); })
      .then(function (response) {
        if (response.status === 429) {
          throw new Error('too many requests; try again in ' + (response.headers.get('Retry-After') || 60) + ' s');
        }
        if (!response.ok) { throw new Error('HTTP ' + response.status); }
        return response.text();
      });
  }

  function withParam(url, name, value) {
    return url + (url.indexOf('?') === -1 ? '?' : '&') + name + '=' + encodeURIComponent(value);
  }

  // ---- Decorating values ----------------------------------------------------

  function relativeTime(date) {
    // The formatter is made on first use: making an Intl formatter loads
    // locale data, 20-140 ms that the first paint must not wait for.
    state.relative = state.relative || new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
    var seconds = (date.getTime() - Date.now()) / 1000;
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1] || UNITS[i][0] === 'second') {
        return state.relative.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
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
    // "Rendered" shows the Markdown in place and hides it again: a toggle.
    root.querySelectorAll('a.json-markdown:not([aria-expanded])').forEach(function (link) {
      link.setAttribute('aria-expanded', 'false');
    });
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

  function fetchMore(link) {
    // Replace a "… N more" link with what it names. Resolves to the "more"
    // links and the number of nodes that came; on failure the link stays,
    // saying so, to try again.
    state.loading.add(link);
    link.textContent = 'Loading…';
    return getText(withParam(link.getAttribute('href'), 'fragment', '1')).then(function (html) {
      var holder = document.createElement('template');
      holder.innerHTML = html;
      decorate(holder.content);
      var came = {
        links: Array.prototype.slice.call(holder.content.querySelectorAll('a.json-more')),
        nodes: holder.content.querySelectorAll('.json-node, .json-leaf').length
      };
      link.replaceWith(holder.content);
      return came;
    }, function (error) {
      state.loading.delete(link);
      link.textContent = 'Could not load (' + error.message + '); try again';
      throw error;
    });
  }

  function loadMore(link) {
    // Resolves to whether the page now holds what the link names.
    if (state.loading.has(link)) { return Promise.resolve(true); }
    return fetchMore(link).then(function () { return true; }, function (error) {
      failed('load more of the record')(error);
      return false;
    });
  }

  function unloadedLinks(scope) {
    // The "Load N entries" and "… N more" links below `scope`, except those in
    // JSON opened from a string inside it: the server counts a string as one node.
    return Array.prototype.filter.call(scope.querySelectorAll('a.json-more'), function (link) {
      var embedded = link.closest('.json-embedded-node');
      return !embedded || embedded === scope || embedded.contains(scope);
    });
  }

  function entriesOf(links) {
    return links.reduce(function (sum, link) { return sum + (Number(link.dataset.end) - Number(link.dataset.offset)); }, 0);
  }

  function inChunks(link) {
    // A link for more than EXPAND_CHUNK children becomes one link per chunk, so
    // that they load side by side rather than one page after another.
    var offset = Number(link.dataset.offset);
    var end = Number(link.dataset.end);
    if (end - offset <= EXPAND_CHUNK) { return [link]; }
    var chunks = [];
    for (var start = offset; start < end; start += EXPAND_CHUNK) {
      var chunk = link.cloneNode(false);
      var url = new URL(link.href);
      var stop = Math.min(end, start + EXPAND_CHUNK);
      url.searchParams.set('offset', start);
      url.searchParams.set('end', stop);
      chunk.href = url.pathname + url.search;
      chunk.dataset.offset = start;
      chunk.dataset.end = stop;
      chunk.textContent = '… ' + (stop - start).toLocaleString() + ' more';
      chunks.push(chunk);
    }
    link.replaceWith.apply(link, chunks);
    return chunks;
  }

  function loadAll(links, progress) {
    // Load what `links` name and every link that comes with it, EXPAND_REQUESTS
    // at a time; resolves once all came, rejects on the first failure. At most
    // EXPAND_LIMIT nodes in all, whatever the server sends.
    return new Promise(function (resolve, reject) {
      var queue = [];
      var running = 0;
      var came = 0;
      var stopped = false;
      function add(link) { if (!state.loading.has(link)) { queue.push.apply(queue, inChunks(link)); } }
      function stop(error) { stopped = true; reject(error); }
      function next() {
        if (stopped) { return; }
        if (!queue.length && !running) { resolve(came); return; }
        while (running < EXPAND_REQUESTS && queue.length) {
          running += 1;
          fetchMore(queue.shift()).then(function (result) {
            running -= 1;
            came += result.nodes;
            if (came > EXPAND_LIMIT) { stop(new Error('more than ' + EXPAND_LIMIT.toLocaleString() + ' nodes came')); return; }
            result.links.forEach(add);
            progress(came);
            next();
          }, function (error) { running -= 1; stop(error); });
        }
      }
      links.forEach(add);
      next();
    });
  }

  function placeholderLink(details) {
    var children = details.querySelector(':scope > .json-children');
    var first = children && children.firstElementChild;
    return first && first === children.lastElementChild && first.classList.contains('json-more') ? first : null;
  }

  function loadRegion(details, focus) {
    // Re-render a container's children with the way to `focus` (positions below it) open.
    var url = withParam(withParam(state.urls.tree, 'at', atOf(details)), 'focus', focus);
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
      if (reached.depth <= lastDepth) { return Promise.resolve(null); }
      var focus = positions.slice(reached.depth).join('.');
      var asJson = isContainer(reached.node) ? null : reached.node.querySelector(':scope > a.json-embedded');
      if (!isContainer(reached.node) && !asJson) { return Promise.resolve(null); }
      var loaded = asJson ? openEmbedded(asJson, focus) : loadRegion(reached.node, focus);
      return loaded.then(function () { return from(reached.depth); });
    }
    return from(-1);
  }

  function openAncestors(el) {
    for (var node = el.parentElement; node && node !== state.tree; node = node.parentElement) {
      if (node.tagName === 'DETAILS') { node.open = true; }
    }
  }

  function highlight(el, className) {
    state.tree.querySelectorAll('.' + className).forEach(function (old) { old.classList.remove(className); });
    el.classList.add(className);
    openAncestors(el);
    var row = rowOf(el);
    row.scrollIntoView({ block: 'center' });
  }

  function show(at, className) {
    return reveal(at).then(function (el) {
      if (el) { highlight(el, className); } else { say('That node is not in this record any more; reload the page.'); }
      return el;
    }, failed('load that part of the record'));
  }

  function showAll(link) {
    // A string the page shows cut short, whole, from the server.
    getText(link.getAttribute('href')).then(function (text) {
      var value = JSON.parse(text);
      var span = link.previousElementSibling;
      span.textContent = JSON.stringify(value);
      span.classList.remove('json-truncated');
      link.remove();
    }).catch(failed('load the whole string'));
  }

  // ---- Values shown another way: Markdown rendered, JSON held in a string ----

  function toggleMarkdown(link) {
    // Show the string rendered as Markdown under it, or hide it again.
    var box = document.getElementById(link.getAttribute('aria-controls') || '');
    var show = link.getAttribute('aria-expanded') !== 'true';
    function shown(yes) {
      box.hidden = !yes;
      link.setAttribute('aria-expanded', String(yes));
      link.textContent = yes ? 'Raw' : 'Rendered';
    }
    if (box || !show) { if (box) { shown(show); } return; }
    if (state.loading.has(link)) { return; }
    state.loading.add(link);
    getText(withParam(link.getAttribute('href'), 'fragment', '1')).then(function (html) {
      box = document.createElement('div');
      box.className = 'json-rendered';
      state.ids += 1;
      box.id = 'json-rendered-' + state.ids;
      // The server's fragment as it sent it: markdown-it with raw HTML off
      // escaped everything in the string (runs/markdown.py).
      box.innerHTML = html;
      link.closest('.json-leaf').appendChild(box);
      link.setAttribute('aria-controls', box.id);
      shown(true);
    }, failed('render the Markdown')).then(function () { state.loading.delete(link); });
  }

  function openEmbedded(link, focus) {
    // A string holding a JSON object or array becomes a node of the tree in
    // place: the leaf turns into a <details> with the same position, its
    // summary the key and the string, its children the parsed value's, from
    // the server (positions go on through the string). Resolves to the node,
    // or null when the string holds no JSON after all.
    var leaf = link.closest('.json-leaf');
    if (state.loading.has(link)) { return Promise.resolve(null); }
    state.loading.add(link);
    link.textContent = 'Opening…';
    var url = withParam(link.getAttribute('href'), 'fragment', '1');
    return getText(focus ? withParam(url, 'focus', focus) : url).then(function (html) {
      var node = document.createElement('details');
      node.className = 'json-node json-' + (link.dataset.kind === 'array' ? 'array' : 'object') + ' json-embedded-node';
      node.dataset.i = leaf.dataset.i;
      var summary = document.createElement('summary');
      // The key and the string as the leaf showed them; not its links (a
      // summary holds nothing focusable) nor what the leaf had rendered.
      leaf.querySelectorAll(':scope > .json-key, :scope > .json-index, :scope > .json-string').forEach(function (part) {
        summary.appendChild(part);
      });
      var note = document.createElement('span');
      note.className = 'json-embedded-note';
      note.textContent = 'JSON';
      summary.appendChild(note);
      var children = document.createElement('div');
      children.className = 'json-children';
      children.innerHTML = html;
      decorate(children);
      node.append(summary, children);
      node.open = true;
      var hadFocus = leaf.contains(document.activeElement);
      leaf.replaceWith(node);
      if (hadFocus) { focusRow(summary); }
      return node;
    }, function (error) {
      state.loading.delete(link);
      if (error.message === 'HTTP 400') {
        link.remove();
        say('That string is not JSON holding an object or array; it stays a string.');
        return null;
      }
      link.textContent = 'Open as JSON';
      failed('open the string as JSON')(error);
      return null;
    });
  }

  // ---- Opening and closing ---------------------------------------------------

  function setDepth(scope, depth) {
    // Open containers of `scope` less than `depth` levels below it, close the
    // rest. Containers not loaded yet stay closed (expand() loads them first
    // when there are few enough); they load when opened one by one.
    // Returns {opened, skipped}.
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
    return { opened: opened, skipped: skipped };
  }

  function sayDepth(scope, depth) {
    var done = setDepth(scope, depth);
    if (depth === 0) {
      say('Collapsed.');
    } else {
      say('Opened to depth ' + depth + (done.skipped ? '; ' + done.skipped.toLocaleString() + ' not loaded yet stay closed.' : '.'));
    }
  }

  function openLoaded(scope, why) {
    // Open all that is loaded below `scope` and say what stayed closed, and why.
    var links = unloadedLinks(scope);
    setDepth(scope, Infinity);
    var loaded = scope.querySelectorAll('.json-node, .json-leaf').length;
    if (!links.length) { say('Opened all ' + loaded.toLocaleString() + ' nodes.'); return; }
    say(why + 'opened the ' + loaded.toLocaleString() + ' loaded nodes; ' +
      entriesOf(links).toLocaleString() + ' entries not loaded yet stay closed (open one to load it).');
  }

  function expand(scope) {
    // Open every node below `scope`, first fetching what is not loaded when the
    // server counts at most EXPAND_LIMIT nodes there; beyond, open what is loaded.
    var run = state.depthRun += 1;
    var links = unloadedLinks(scope);
    if (!links.length) { openLoaded(scope, ''); return; }
    say('Counting nodes…');
    var countUrl = withParam(withParam(state.urls.tree, 'at', atOf(scope)), 'count', EXPAND_LIMIT);
    getText(countUrl).then(function (text) {
      var count = JSON.parse(text);
      if (run !== state.depthRun) { return; }
      var label = isRoot(scope) ? 'The record' : 'This node';
      if (!count.complete) {
        openLoaded(scope, label + ' holds more than ' + EXPAND_LIMIT.toLocaleString() + ' nodes: ');
        return;
      }
      var total = count.nodes.toLocaleString();
      say('Loading ' + total + ' nodes…');
      return loadAll(unloadedLinks(scope), function (came) {
        if (run === state.depthRun) { say('Loading ' + total + ' nodes… ' + came.toLocaleString() + ' came.'); }
      }).then(function () {
        if (run === state.depthRun) { openLoaded(scope, 'Not all came: '); }
      });
    }).catch(function (error) {
      if (run !== state.depthRun) { return; }
      setDepth(scope, Infinity);
      say('Could not load all of it (' + error.message + '); opened what is loaded. Expand again to try again.');
    });
  }

  // ---- Keyboard -------------------------------------------------------------

  function visibleRows() {
    // Rows not inside a closed node. From the DOM, not from layout: offsetParent
    // forces a layout, and Chromium keeps a closed <details>' contents laid out
    // (content-visibility: hidden), so it is not null there.
    return Array.prototype.filter.call(state.tree.querySelectorAll('summary, .json-leaf, .json-more'), function (row) {
      return !row.closest('details:not([open]) > .json-children');
    });
  }

  function focusRow(row) {
    if (!row) { return; }
    if (row.tagName !== 'SUMMARY' && row.tagName !== 'A') { row.tabIndex = -1; }
    row.focus();
    row.scrollIntoView({ block: 'nearest' });
  }

  function moveFocus(step) {
    return function (target) {
      var rows = visibleRows();
      var index = rows.indexOf(target.row) + step;
      focusRow(rows[Math.max(0, Math.min(rows.length - 1, index))]);
    };
  }

  function openOrEnter(target) {
    var node = target.node;
    var asJson = node && !isContainer(node) ? node.querySelector(':scope > a.json-embedded') : null;
    if (asJson) { openEmbedded(asJson, ''); } else if (isContainer(node) && !node.open) { node.open = true; } else if (isContainer(node)) {
      focusRow(node.querySelector(':scope > .json-children > *'));
    }
  }

  function closeOrLeave(target) {
    var node = target.node;
    if (isContainer(node) && node.open) { node.open = false; return; }
    var parent = node ? parentOf(node) : target.row.closest('details.json-node');
    if (parent) { focusRow(rowOf(parent)); }
  }

  // ---- The node bar: path, copy buttons, subtree controls -------------------

  function showBar(node) {
    var bar = state.bar;
    clearTimeout(state.hideTimer);
    state.barNode = node;
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
      if (state.barNode !== node) { return; }
      path.textContent = paths.jq;
      pointer.textContent = paths.pointer || '/';
      placeBar(node);
    }, function () { if (state.barNode === node) { path.textContent = '(path not available)'; } });
  }

  function placeBar(node) {
    // The bar is positioned within .run-viewer: place it on the row's line,
    // at the tree's right edge.
    var bar = state.bar;
    var rect = rowOf(node).getBoundingClientRect();
    var treeRect = state.tree.getBoundingClientRect();
    var origin = state.viewer.getBoundingClientRect();
    bar.hidden = false;
    // Measured at the left edge: nearer the right, the bar would be squeezed to fit.
    bar.style.left = '0px';
    bar.style.top = (rect.top - origin.top + (rect.height - bar.offsetHeight) / 2) + 'px';
    bar.style.left = Math.max(0, treeRect.right - origin.left - bar.offsetWidth - 4) + 'px';
  }

  function hideBarSoon() {
    clearTimeout(state.hideTimer);
    state.hideTimer = setTimeout(function () { state.bar.hidden = true; }, 400);
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
    }, failed('work out the path'));
  }

  function copyValue(node) {
    // From the server: exact integers, whole strings, parts not yet loaded.
    getText(withParam(withParam(state.urls.raw, 'at', atOf(node)), 'pretty', '1')).then(
      function (text) { copy(text, 'the value as JSON'); },
      failed('fetch the value')
    );
  }

  // ---- Filter ---------------------------------------------------------------

  // Matches come from the server in pages of positions, fetched as stepping
  // reaches them, so the count and stepping cover the whole record.
  function newSearch(query) { return { query: query, total: 0, current: -1, pages: {}, pageSize: 1, failed: false }; }

  function matchAt(index) {
    var search = state.search;
    var offset = Math.floor(index / search.pageSize) * search.pageSize;
    var page = search.pages[offset];
    if (page) { return Promise.resolve(page[index - offset]); }
    return getText(withParam(withParam(state.urls.search, 'q', search.query), 'offset', offset)).then(function (text) {
      var result = JSON.parse(text);
      search.pages[offset] = result.nodes;
      return result.nodes[index - offset];
    });
  }

  function showMatch(index) {
    var search = state.search;
    if (!search.total) { return; }
    search.current = (index + search.total) % search.total;
    var wanted = search.current;
    state.viewer.querySelector('.filter-count').textContent =
      (wanted + 1).toLocaleString() + ' of ' + search.total.toLocaleString();
    matchAt(wanted).then(function (at) {
      if (search === state.search && wanted === search.current && at !== undefined) { show(at, 'json-hit'); }
    }, failed('load that match'));
  }

  function runSearch(query) {
    var count = state.viewer.querySelector('.filter-count');
    var search = state.search = newSearch(query);
    if (!query) {
      count.textContent = '';
      state.tree.querySelectorAll('.json-hit').forEach(function (el) { el.classList.remove('json-hit'); });
      return;
    }
    count.textContent = 'Searching…';
    getText(withParam(state.urls.search, 'q', query)).then(function (text) {
      if (search !== state.search) { return; }
      var result = JSON.parse(text);
      search.total = result.count;
      search.pageSize = Math.max(1, result.nodes.length);
      search.pages[0] = result.nodes;
      if (!search.total) { count.textContent = 'No matches'; return; }
      showMatch(0);
    }).catch(function (error) {
      if (search !== state.search) { return; }
      search.failed = true;  // Enter searches again
      count.textContent = 'Search failed';
      failed('search the record')(error);
    });
  }

  // ---- Raw view ---------------------------------------------------------------

  function toggleRaw(button) {
    var raw = state.viewer.querySelector('.raw-view');
    var showRaw = raw.hidden;
    raw.hidden = !showRaw;
    state.tree.hidden = showRaw;
    button.setAttribute('aria-pressed', String(showRaw));
    button.textContent = showRaw ? 'Tree view' : 'Raw JSON view';
    if (showRaw && !state.rawRequested) {
      state.rawRequested = true;
      var pre = raw.querySelector('pre');
      pre.textContent = 'Loading…';
      getText(withParam(state.urls.raw, 'pretty', '1')).then(function (text) {
        state.rawText = text;
        pre.textContent = text.length > RAW_SHOWN_CHARS ? text.slice(0, RAW_SHOWN_CHARS) : text;
        if (text.length > RAW_SHOWN_CHARS) {
          say('The raw view shows the first ' + RAW_SHOWN_CHARS.toLocaleString() + ' of ' +
            text.length.toLocaleString() + ' characters; Copy all and Download have everything.');
        }
      }, function (error) {
        state.rawRequested = false;  // showing the raw view again tries again
        pre.textContent = 'Could not load the raw JSON (' + error.message + ').';
      });
    }
  }

  // ---- Actions ------------------------------------------------------------------

  // Everything a control or a key can do, by name: buttons name an action in
  // data-tree-action, links and keys are mapped to one, and run() is the one
  // dispatcher. An action gets a target: {node, row, control, whole} — the
  // node bar's node, the focused row's node, or for the toolbar the root with
  // `whole` set. It returns false when it does not apply there, so a key
  // keeps its default.

  function onNode(act) {
    return function (target) {
      if (!target.node) { return false; }
      act(target.node);
    };
  }

  function toDepth(depth) {
    return function (target) {
      if (!isContainer(target.node)) { return false; }
      state.depthRun += 1;  // a later choice wins over an "Expand all" still loading
      if (depth === Infinity) { expand(target.node); } else { sayDepth(target.node, depth); }
      if (target.whole) { target.node.open = true; }  // the whole tree keeps its top level in view
    };
  }

  var ACTIONS = {
    'copy-path': onNode(function (node) { copyPath(node, 'path'); }),
    'copy-pointer': onNode(function (node) { copyPath(node, 'pointer'); }),
    'copy-link': onNode(function (node) { copyPath(node, 'link'); }),
    'copy-value': onNode(copyValue),
    'expand': toDepth(Infinity),
    'collapse': toDepth(0),
    'depth1': toDepth(1),
    'depth2': toDepth(2),
    'depth3': toDepth(3),
    'next': function () { showMatch(state.search.current + 1); },
    'previous': function () { showMatch(state.search.current - 1); },
    'raw': function (target) { toggleRaw(target.control); },
    'copy-all': function () { if (state.rawText) { copy(state.rawText, 'the whole record'); } },
    'more': function (target) {
      var details = target.control.closest('details.json-node');
      loadMore(target.control).then(function (loaded) { if (loaded && details) { focusRow(rowOf(details)); } });
    },
    'show-all': function (target) { showAll(target.control); },
    'markdown': function (target) { toggleMarkdown(target.control); },
    'as-json': function (target) { openEmbedded(target.control, ''); },
    'row-down': moveFocus(1),
    'row-up': moveFocus(-1),
    'row-first': function () { focusRow(visibleRows()[0]); },
    'row-last': function () { var rows = visibleRows(); focusRow(rows[rows.length - 1]); },
    'open': openOrEnter,
    'close': closeOrLeave
  };

  var KEYS = {
    ArrowDown: 'row-down', ArrowUp: 'row-up', Home: 'row-first', End: 'row-last',
    ArrowRight: 'open', ArrowLeft: 'close',
    c: 'copy-path', p: 'copy-pointer', v: 'copy-value', l: 'copy-link',
    '*': 'expand', '-': 'collapse', '1': 'depth1', '2': 'depth2', '3': 'depth3'
  };

  function run(name, target) {
    // Whether the action `name` ran.
    var action = Object.prototype.hasOwnProperty.call(ACTIONS, name) ? ACTIONS[name] : null;
    return action !== null && action(target) !== false;
  }

  // ---- Wiring -------------------------------------------------------------------

  // Links of the tree that act in place with the script (and open a page without it).
  var IN_PLACE = [['a.json-more', 'more'], ['a.json-show-all', 'show-all'], ['a.json-markdown', 'markdown'],
    ['a.json-embedded', 'as-json']];

  function onClick(event) {
    var control = event.target.closest('[data-tree-action]');
    for (var i = 0; i < IN_PLACE.length; i++) {
      var link = event.target.closest(IN_PLACE[i][0]);
      if (link && state.tree.contains(link)) {
        event.preventDefault();
        run(IN_PLACE[i][1], { control: link });
        return;
      }
    }
    if (control) {
      var name = control.getAttribute('data-tree-action');
      var inBar = Boolean(control.closest('.node-bar'));
      run(name, { node: inBar ? state.barNode : rootNode(), control: control, whole: !inBar });
    }
  }

  function onTreeKey(event) {
    var row = event.target.closest('summary, .json-leaf, .json-more');
    if (!row || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var node = row.classList.contains('json-more') ? null : nodeOfRow(row);
    if (run(KEYS[event.key], { node: node, row: row })) { event.preventDefault(); }
  }

  function onRowEntered(event) {
    var row = event.target.closest('summary, .json-leaf');
    if (row) { showBar(nodeOfRow(row)); }
  }

  function onToggle(event) {
    var details = event.target;
    if (details.open && isContainer(details)) {
      var link = placeholderLink(details);
      if (link && link.dataset.offset === '0') { loadMore(link); }
    }
  }

  function onFilterInput() {
    clearTimeout(state.searchTimer);
    state.searchTimer = setTimeout(function () { runSearch(state.filter.value.trim()); }, 200);
  }

  function onFilterKey(event) {
    if (event.key !== 'Enter') { return; }
    event.preventDefault();
    var query = state.filter.value.trim();
    if (query !== state.search.query || state.search.failed) { clearTimeout(state.searchTimer); runSearch(query); return; }
    run(event.shiftKey ? 'previous' : 'next', {});
  }

  function onPageKey(event) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName);
    if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      state.filter.focus();
      state.filter.select();
    }
  }

  function followHash() {
    // The fragment is a JSON Pointer; the server knows where it leads.
    var hash = location.hash.slice(1);
    if (hash === '' || hash[0] !== '/') { return; }
    var pointer;
    try { pointer = decodeURIComponent(hash); } catch (error) { return; }
    getText(withParam(state.urls.locate, 'pointer', pointer)).then(function (text) {
      return show(JSON.parse(text).at, 'json-target');
    }, function (error) {
      say(error.message === 'HTTP 404' ? 'Nothing at ' + pointer + ' in this record.' :
        'Could not look up ' + pointer + ' (' + error.message + ').');
    }).then(function (el) {
      if (isContainer(el)) { el.open = true; }  // a linked object or array shows its contents
    });
  }

  function init() {
    var viewer = document.querySelector('.run-viewer');
    if (!viewer) { return; }
    state.viewer = viewer;
    state.tree = viewer.querySelector('.json-tree');
    state.status = viewer.querySelector('.viewer-status');
    state.bar = viewer.querySelector('.node-bar');
    state.filter = viewer.querySelector('.filter-input');
    state.urls = { tree: viewer.dataset.treeUrl, search: viewer.dataset.searchUrl, raw: viewer.dataset.rawUrl,
      locate: viewer.dataset.locateUrl };
    viewer.querySelectorAll('[data-needs-js]').forEach(function (el) { el.hidden = false; });
    afterFirstPaint(function () { decorate(state.tree); });

    viewer.addEventListener('click', onClick);
    state.tree.addEventListener('toggle', onToggle, true);  // toggle does not bubble
    state.tree.addEventListener('keydown', onTreeKey);
    state.tree.addEventListener('mouseover', onRowEntered);
    state.tree.addEventListener('focusin', onRowEntered);
    state.tree.addEventListener('mouseleave', hideBarSoon);
    state.bar.addEventListener('mouseenter', function () { clearTimeout(state.hideTimer); });
    state.bar.addEventListener('mouseleave', hideBarSoon);
    state.filter.addEventListener('input', onFilterInput);
    state.filter.addEventListener('keydown', onFilterKey);
    document.addEventListener('keydown', onPageKey);
    window.addEventListener('hashchange', followHash);
    followHash();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
