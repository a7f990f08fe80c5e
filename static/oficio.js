/*
 * oficio.js - small progressive enhancements. Every page works without it.
 *
 *  - input[data-suggest]: search-as-you-type from /api/v1/suggest, shown as
 *    an ARIA combobox + listbox; choosing a title opens the page.
 *  - input[data-suggest-kind]: the same titles (of that kind) offered in a
 *    <datalist>, e.g. the procedure a case lesson concerns.
 *  - form[data-confirm]: asks before submitting (restore, deactivate).
 *  - form[data-dirty]: warns before leaving with unsaved text.
 *
 * No framework, no inline handlers (CSP forbids inline script), no
 * third-party requests. Loaded with `defer`, so the DOM is ready.
 */
(function () {
	'use strict';

	var lang = document.documentElement.lang === 'en' ? 'en' : 'es';
	var KINDS = {
		es: { procedure: 'Procedimiento', lesson: 'Caso', reference: 'Referencia' },
		en: { procedure: 'Procedure', lesson: 'Case lesson', reference: 'Reference' }
	}[lang];
	var uid = 0;

	/* Ask the server for titles; cb(results) or nothing on any failure. */
	function fetchSuggest(q, limit, signal, cb) {
		var url = '/api/v1/suggest?limit=' + limit + '&q=' + encodeURIComponent(q);
		fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' }, signal: signal })
			.then(function (r) { return r.ok ? r.json() : null; })
			.then(function (j) { if (j && Array.isArray(j.results)) cb(j.results); })
			.catch(function () {});
	}

	/* A debounced, cancellable lookup bound to one input. */
	function lookup(input, limit, render) {
		var timer = 0, ctrl = null, last = null;
		return function () {
			var q = input.value.trim();
			clearTimeout(timer);
			if (q === last) return;
			last = q;
			if (ctrl) ctrl.abort();
			ctrl = null;
			if (q.length < 2) { render([]); return; }
			timer = setTimeout(function () {
				ctrl = window.AbortController ? new AbortController() : null;
				fetchSuggest(q, limit, ctrl && ctrl.signal, function (list) {
					if (input.value.trim() === q) render(list);
				});
			}, 150);
		};
	}

	/* Search-as-you-type: an ARIA 1.2 combobox with a listbox popup. */
	function combobox(input) {
		var id = '_sg' + (++uid);
		var list = document.createElement('ul');
		var items = [], active = -1;

		list.id = id;
		list.className = 'suggest';
		list.setAttribute('role', 'listbox');
		list.setAttribute('aria-label', input.labels && input.labels[0] ? input.labels[0].textContent : 'Oficio');
		list.hidden = true;
		input.parentNode.appendChild(list);
		input.setAttribute('role', 'combobox');
		input.setAttribute('aria-autocomplete', 'list');
		input.setAttribute('aria-expanded', 'false');
		input.setAttribute('aria-controls', id);

		function close() {
			list.hidden = true;
			input.setAttribute('aria-expanded', 'false');
			input.removeAttribute('aria-activedescendant');
			active = -1;
		}

		function select(i) {
			if (active >= 0 && list.children[active])
				list.children[active].setAttribute('aria-selected', 'false');
			active = i;
			if (i < 0) {
				input.removeAttribute('aria-activedescendant');
				return;
			}
			var li = list.children[i];
			li.setAttribute('aria-selected', 'true');
			input.setAttribute('aria-activedescendant', li.id);
			li.scrollIntoView({ block: 'nearest' });
		}

		function go(i) {
			if (items[i]) window.location.href = '/p/' + encodeURIComponent(items[i].slug);
		}

		function render(results) {
			items = results;
			list.textContent = '';
			if (!results.length) { close(); return; }
			results.forEach(function (r, i) {
				var li = document.createElement('li');
				var title = document.createElement('span');
				var kind = document.createElement('span');
				li.id = id + '-' + i;
				li.setAttribute('role', 'option');
				li.setAttribute('aria-selected', 'false');
				title.textContent = r.title;
				kind.className = 'badge kind-' + r.kind;
				kind.textContent = KINDS[r.kind] || r.kind;
				li.appendChild(title);
				li.appendChild(kind);
				/* mousedown, not click: it comes before the input's blur. */
				li.addEventListener('mousedown', function (e) { e.preventDefault(); go(i); });
				list.appendChild(li);
			});
			active = -1;
			list.hidden = false;
			input.setAttribute('aria-expanded', 'true');
		}

		var update = lookup(input, 8, render);
		input.addEventListener('input', update);
		input.addEventListener('focus', function () { if (items.length && input.value.trim().length >= 2) render(items); });
		input.addEventListener('blur', close);
		input.addEventListener('keydown', function (e) {
			var open = !list.hidden, n = items.length;
			if (e.key === 'ArrowDown' && n) {
				if (!open) render(items);
				select(active + 1 < n ? active + 1 : 0);
				e.preventDefault();
			} else if (e.key === 'ArrowUp' && open && n) {
				select(active > 0 ? active - 1 : n - 1);
				e.preventDefault();
			} else if (e.key === 'Enter' && open && active >= 0) {
				/* Without a chosen title, Enter submits the search as usual. */
				e.preventDefault();
				go(active);
			} else if (e.key === 'Escape' && open) {
				close();
				e.preventDefault();
			}
		});
	}

	/* Titles of one kind offered through a <datalist>. */
	function datalist(input) {
		var kind = input.getAttribute('data-suggest-kind');
		var dl = document.createElement('datalist');
		dl.id = '_dl' + (++uid);
		input.parentNode.appendChild(dl);
		input.setAttribute('list', dl.id);
		input.addEventListener('input', lookup(input, 20, function (results) {
			dl.textContent = '';
			results.forEach(function (r) {
				if (kind && r.kind !== kind) return;
				var o = document.createElement('option');
				o.value = r.title;
				dl.appendChild(o);
			});
		}));
	}

	function each(sel, fn) {
		Array.prototype.forEach.call(document.querySelectorAll(sel), fn);
	}

	if (window.fetch) {
		each('input[data-suggest]', combobox);
		each('input[data-suggest-kind]', datalist);
	}

	each('form[data-confirm]', function (f) {
		f.addEventListener('submit', function (e) {
			if (!window.confirm(f.getAttribute('data-confirm'))) e.preventDefault();
		});
	});

	/* Nothing lost: ask before leaving an editor with changes (on the
	 * conflict page the text is unsaved from the start). */
	each('form[data-dirty]', function (f) {
		var dirty = f.getAttribute('data-dirty') === 'unsaved';
		f.addEventListener('input', function () { dirty = true; });
		f.addEventListener('submit', function () { dirty = false; });
		window.addEventListener('beforeunload', function (e) {
			if (!dirty) return;
			e.preventDefault();
			e.returnValue = '';
		});
	});
})();
