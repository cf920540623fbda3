// Enhances the server-rendered JSON tree; the page works without it.
(function () {
  'use strict';

  function nodes(tree) {
    return tree.querySelectorAll('details.json-node');
  }

  function setAll(tree, open) {
    nodes(tree).forEach(function (node) { node.open = open; });
  }

  document.addEventListener('DOMContentLoaded', function () {
    var tree = document.querySelector('.json-tree');
    var toolbar = document.querySelector('.tree-toolbar');
    if (!tree || !toolbar) { return; }
    toolbar.hidden = false;
    toolbar.addEventListener('click', function (event) {
      var action = event.target.getAttribute('data-tree-action');
      if (action === 'expand') { setAll(tree, true); }
      if (action === 'collapse') { setAll(tree, false); }
    });
  });
}());
