/*
 * oficio.js - small progressive enhancements. Every page works without it.
 *
 *  - input[data-suggest]: search-as-you-type from /api/v1/suggest, shown as
 *    an ARIA combobox + listbox; choosing a title opens the page.
 *  - input[data-suggest-kind]: the same titles (of that kind) offered in a
 *    <datalist>, e.g. the procedure a case lesson concerns.
 *  - form[data-confirm]: asks before submitting (restore, deactivate).
 *  - form[data-dirty]: warns before leaving with unsaved text.
 *  - textarea[data-upload]: files dropped or pasted on the editor's text
 *    are uploaded through the API and referenced at the cursor.
 *  - .content[data-steps]: a page's task lists become the reader's own
 *    checklist, kept in this browser (localStorage) until the day ends.
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

	/* Files dropped or pasted on the editor's text: each is sent to
	 * data-upload (POST /api/v1/pages/{slug}/attachments, raw body, the
	 * session cookie and the form's CSRF token in X-CSRF-Token), then
	 * "![name](/files/HASH)" (images) or "[name](/files/HASH)" goes in at
	 * the cursor. The outcome is said in a status (aria-live) line. A new
	 * page (data-upload-later) has nothing to attach to yet: it says so.
	 * The file field below the form does the same without JS. */
	function dropUpload(ta) {
		var url = ta.getAttribute('data-upload');
		var later = ta.getAttribute('data-upload-later');
		var form = ta.form;
		var csrf = form && form.elements.csrf ? form.elements.csrf.value : '';
		var hint = document.getElementById(ta.getAttribute('aria-describedby'));
		var status = document.createElement('span');
		var bar = document.createElement('progress');
		var queue = [], busy = false, ownLine = false, placed = false;

		if (!url && !later) return;
		status.className = 'upload-status';
		status.setAttribute('role', 'status');
		bar.hidden = true;
		bar.setAttribute('aria-hidden', 'true'); /* the status says it */
		ta.parentNode.appendChild(bar);
		ta.parentNode.appendChild(status);
		if (url && hint) hint.textContent += ' ' + ta.getAttribute('data-upload-hint');

		function msg(key, name) {
			return (ta.getAttribute('data-upload-' + key) || '').replace('{name}', name || '');
		}

		/* One line of the status per file (or notice); returns it. */
		function line(text, failed) {
			var s = document.createElement('span');
			s.textContent = text;
			if (failed) s.className = 'failed';
			status.appendChild(s);
			return s;
		}

		/* At the cursor; the second file of a drop on a line of its own,
		 * and one at the start of a line does not run into its text. */
		function insert(text) {
			var a = ta.selectionStart, b = ta.selectionEnd, v = ta.value;
			if (ownLine && a > 0 && v.charAt(a - 1) !== '\n') text = '\n' + text;
			if ((text.charAt(0) === '\n' || a === 0 || v.charAt(a - 1) === '\n') &&
			    b < v.length && v.charAt(b) !== '\n') text += '\n';
			ownLine = true;
			if (ta.setRangeText) {
				ta.setRangeText(text, a, b, 'end');
			} else {
				ta.value = ta.value.slice(0, a) + text + ta.value.slice(b);
				ta.selectionStart = ta.selectionEnd = a + text.length;
			}
			/* As if typed: the unsaved-text warning now applies. */
			ta.dispatchEvent(new Event('input', { bubbles: true }));
		}

		/* The new file in the list of attachments below the form. */
		function listed(j) {
			var ul = document.querySelector('#attachments ul');
			var li, a, meta;
			if (!ul || ul.querySelector('a[href="' + j.url + '"]')) return;
			each('#attachments li.none', function (n) { n.parentNode.removeChild(n); });
			li = document.createElement('li');
			if (j.is_image) {
				var img = document.createElement('img');
				img.className = 'thumb';
				img.src = j.url;
				img.alt = '';
				li.appendChild(img);
				li.appendChild(document.createTextNode(' '));
			}
			a = document.createElement('a');
			a.href = j.url;
			if (!j.is_image) a.setAttribute('download', '');
			a.textContent = j.filename;
			meta = document.createElement('span');
			meta.className = 'meta';
			meta.textContent = j.size_text;
			li.appendChild(a);
			li.appendChild(document.createTextNode(' '));
			li.appendChild(meta);
			ul.appendChild(li);
		}

		function next() {
			var file = queue.shift(), x, l;
			busy = !!file;
			bar.hidden = !busy;
			if (!file) return;
			l = line(msg('busy', file.name));
			x = new XMLHttpRequest();
			x.open('POST', url + (file.name ? '?filename=' + encodeURIComponent(file.name) : ''));
			x.setRequestHeader('X-CSRF-Token', csrf);
			x.setRequestHeader('Accept', 'application/json');
			bar.removeAttribute('value');
			x.upload.onprogress = function (e) {
				if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
			};
			x.onload = function () {
				var j = null;
				try { j = JSON.parse(x.responseText); } catch (e) { j = null; }
				if (x.status >= 200 && x.status < 300 && j && j.markdown) {
					insert(j.markdown);
					listed(j);
					l.textContent = msg('done', j.filename);
				} else {
					l.textContent = msg('failed', file.name) + (j && j.message ? ' ' + j.message : '');
					l.className = 'failed';
				}
				next();
			};
			x.onerror = function () {
				l.textContent = msg('failed', file.name);
				l.className = 'failed';
				next();
			};
			x.send(file);
		}

		function take(files) {
			if (!files || !files.length) return;
			if (!busy) { status.textContent = ''; ownLine = false; }
			if (!url) { line(later); return; }
			Array.prototype.forEach.call(files, function (f) { queue.push(f); });
			/* Never clicked into: the end of the text, on a line of its own. */
			if (!placed) {
				ta.setSelectionRange(ta.value.length, ta.value.length);
				ownLine = true;
			}
			ta.focus();
			if (!busy) next();
		}

		function hasFiles(e) {
			var t = e.dataTransfer && e.dataTransfer.types;
			return !!t && Array.prototype.indexOf.call(t, 'Files') >= 0;
		}

		ta.addEventListener('focus', function () { placed = true; });
		['dragenter', 'dragover'].forEach(function (type) {
			ta.addEventListener(type, function (e) {
				if (!hasFiles(e)) return;
				e.preventDefault();
				e.dataTransfer.dropEffect = 'copy';
				ta.classList.add('drop-target');
			});
		});
		ta.addEventListener('dragleave', function () { ta.classList.remove('drop-target'); });
		ta.addEventListener('drop', function (e) {
			ta.classList.remove('drop-target');
			if (!hasFiles(e)) return;
			e.preventDefault();
			take(e.dataTransfer.files);
		});
		/* A pasted screenshot; text copied from an office program may
		 * carry a picture of itself too: then the text wins. */
		ta.addEventListener('paste', function (e) {
			var cd = e.clipboardData;
			if (!cd || !cd.files || !cd.files.length ||
			    Array.prototype.indexOf.call(cd.types, 'text/plain') >= 0) return;
			e.preventDefault();
			take(cd.files);
		});
		/* Saving before the reference is in would lose it. */
		if (form) form.addEventListener('submit', function (e) {
			if (!busy) return;
			e.preventDefault();
			if (status.lastChild && status.lastChild.textContent !== msg('wait'))
				line(msg('wait'), true);
		});
	}

	if (window.XMLHttpRequest) each('textarea[data-upload], textarea[data-upload-later]', dropUpload);

	/* A procedure's checklist, for whoever follows it at the counter.
	 * Rendered, its boxes are static marks (disabled, hidden from
	 * assistive technology; oficio.css draws them as bullets). Here each
	 * becomes a real checkbox labelled by its step, the step's text a
	 * large target, so the reader can tick her way through and keep her
	 * place when a customer interrupts. Ticking is hers alone: it never
	 * reaches the server (the page, its revisions and its cached HTML are
	 * the same for everyone), it is kept in this browser under the page's
	 * slug and revision (a new revision starts clean), and it is forgotten
	 * when the day changes or with the button after each list. */
	function steps(content) {
		var key = 'oficio.steps:' + content.getAttribute('data-steps');
		var boxes = content.querySelectorAll('li > input[type=checkbox], li > p > input[type=checkbox]');
		var lists = [];
		var BLOCK = /^(UL|OL|P|DIV|TABLE|PRE|BLOCKQUOTE|H[1-6]|HR|DL|FIGURE)$/;

		if (!boxes.length) return;

		function today() {
			var d = new Date();
			return d.getFullYear() + '-' + (d.getMonth() + 1) + '-' + d.getDate();
		}

		/* Storage may be full, disabled or private: ticks then last as
		 * long as the page, which is still a working checklist. */
		function load() {
			try {
				var j = JSON.parse(localStorage.getItem(key) || 'null');
				return j && j.day === today() && j.on.length === boxes.length ? j.on : null;
			} catch (e) { return null; }
		}

		function state(b) { return b.checked ? '1' : '0'; }
		function authored(b) { return b.defaultChecked ? '1' : '0'; }

		function save() {
			var on = '', mine = false;
			Array.prototype.forEach.call(boxes, function (b) {
				on += state(b);
				mine = mine || state(b) !== authored(b);
			});
			try {
				if (mine) localStorage.setItem(key, JSON.stringify({ day: today(), on: on }));
				else localStorage.removeItem(key);
			} catch (e) { /* see load */ }
		}

		/* Yesterday's ticks, on any page, go. */
		try {
			for (var i = localStorage.length - 1; i >= 0; i--) {
				var k = localStorage.key(i);
				if (!k || k.indexOf('oficio.steps:') !== 0) continue;
				var j = null;
				try { j = JSON.parse(localStorage.getItem(k)); } catch (e) { j = null; }
				if (!j || j.day !== today()) localStorage.removeItem(k);
			}
		} catch (e) { /* see load */ }

		var saved = load();
		Array.prototype.forEach.call(boxes, function (b, n) {
			var label = document.createElement('label');
			var next = b.nextSibling, mark = null;

			b.disabled = false;
			b.removeAttribute('aria-hidden');
			b.id = '_step' + (++uid);
			/* The hidden check mark said "done" for a static mark; the
			 * box says it now. */
			if (next && next.nodeType === 1 && next.classList.contains('vh')) {
				mark = next;
				next = next.nextSibling;
				mark.parentNode.removeChild(mark);
			}
			label.htmlFor = b.id;
			while (next && !(next.nodeType === 1 && BLOCK.test(next.nodeName))) {
				var after = next.nextSibling;
				label.appendChild(next);
				next = after;
			}
			if (!label.textContent.trim() && next && next.nodeName === 'P') {
				/* A loose list item: the box, then its text in a paragraph. */
				while (next.firstChild) label.appendChild(next.firstChild);
				next.appendChild(label);
			} else {
				b.parentNode.insertBefore(label, next);
			}
			if (!label.textContent.trim())
				b.setAttribute('aria-label', content.getAttribute('data-steps-unnamed').replace('{n}', n + 1));
			if (saved) b.checked = saved.charAt(n) === '1';
			b.addEventListener('change', function () { save(); bars(); });
			var list = b.closest('ul, ol');
			if (list && lists.indexOf(list) < 0) lists.push(list);
		});

		/* After each outermost list: what the ticks are, and a way to
		 * start again (shown once something is ticked). */
		var resets = [];
		lists.forEach(function (list) { list.classList.add('checklist'); });
		lists.forEach(function (list) {
			if (list.parentNode.closest('.checklist')) return;
			var bar = document.createElement('p');
			var note = document.createElement('small');
			var btn = document.createElement('button');
			bar.className = 'checklist-bar';
			note.textContent = content.getAttribute('data-steps-note');
			btn.type = 'button';
			btn.textContent = content.getAttribute('data-steps-reset');
			btn.addEventListener('click', function () {
				Array.prototype.forEach.call(list.querySelectorAll('input[type=checkbox]'), function (b) {
					b.checked = b.defaultChecked;
				});
				save();
				bars();
			});
			bar.appendChild(note);
			bar.appendChild(btn);
			list.parentNode.insertBefore(bar, list.nextSibling);
			resets.push([list, btn]);
		});

		function bars() {
			resets.forEach(function (r) {
				var mine = Array.prototype.some.call(r[0].querySelectorAll('input[type=checkbox]'), function (b) {
					return b.checked !== b.defaultChecked;
				});
				r[1].hidden = !mine;
			});
		}
		bars();
	}

	each('.content[data-steps]', steps);

	/* Nothing lost: ask before leaving an editor with changes (on the
	 * conflict page the text is unsaved from the start). */
	each('form[data-dirty]', function (f) {
		var dirty = f.getAttribute('data-dirty') === 'unsaved';
		f.addEventListener('input', function () { dirty = true; });
		f.addEventListener('submit', function (e) { if (!e.defaultPrevented) dirty = false; });
		window.addEventListener('beforeunload', function (e) {
			if (!dirty) return;
			e.preventDefault();
			e.returnValue = '';
		});
	});
})();
