// Journey 1, the foundation: an editor logs in on her phone, writes the
// procedure "Devolución fuera de plazo" (a table and a checklist) at her
// desk, reads it, changes a step with a comment, looks at the history and
// the diff of the two revisions, reads it on the phone and logs out.
// axe runs on every page visited.
import { DESKTOP, PHONE, assert, checkA11y, expectURL, expectVisible } from '../lib/harness.mjs';
import { expectHome, isPath, login, nav } from '../lib/oficio.mjs';

export const TITLE = 'Devolución fuera de plazo';
const CATEGORY = 'Devoluciones';
const OLD_STEP = 'Ofrecer un vale si han pasado menos de 45 días';
const NEW_STEP = 'Ofrecer un vale si han pasado menos de 60 días';
const COMMENT = 'El vale se ofrece hasta 60 días';

export const MARKDOWN = `Cuando un cliente quiere devolver un producto después del plazo de 30 días.

## Plazos

| Caso | Plazo | Quién decide |
|------|-------|--------------|
| Producto sin abrir | 30 días | Caja |
| Producto defectuoso | 2 años | Encargado de tienda |
| Fuera de plazo | — | Responsable de turno |

## Pasos

- [ ] Pedir el ticket o el número de pedido
- [ ] Comprobar la fecha de compra
- [ ] ${OLD_STEP}
- [ ] Anotar el caso en Oficio
`;

/** The rendered procedure: title, table and checklist are there. */
async function expectRendered(page, step) {
	const article = page.getByRole('article');
	await expectVisible(article.getByRole('heading', { level: 1, name: TITLE, exact: true }),
		`the page title "${TITLE}" as the main heading`);
	const table = article.getByRole('table').filter({ hasText: 'Producto defectuoso' });
	await expectVisible(table, 'the Markdown table rendered as a table');
	for (const h of ['Caso', 'Plazo', 'Quién decide'])
		await expectVisible(table.getByRole('columnheader', { name: h, exact: true }), `the column header "${h}"`);
	await expectVisible(table.getByRole('cell', { name: '2 años', exact: true }), 'the cell "2 años"');
	// Checklist boxes are drawn for the eye; the item text carries the
	// meaning, so the server may hide the (disabled) boxes from assistive
	// technology: look for them whether hidden from it or not.
	const boxes = article.getByRole('checkbox', { includeHidden: true });
	await expectVisible(boxes, 'the checklist rendered as checkboxes');
	const n = await boxes.count();
	assert(n === 4, `expected the 4 checklist steps as 4 checkboxes, found ${n}`);
	for (let i = 0; i < n; i++)
		assert(await boxes.nth(i).isVisible(), `checkbox ${i + 1} of the checklist is not visible`);
	await expectVisible(article.getByRole('listitem').filter({ hasText: step }),
		`the checklist step "${step}"`);
}

export async function foundation(t, { srv, editor }) {
	// --- on the phone ---
	const phoneCtx = await t.context(PHONE);
	const phone = await phoneCtx.newPage();

	await t.step('log in on a phone', async () => {
		await login(phone, srv, editor.username, { a11y: 'login (phone)' });
		await t.shot(phone, 'home after login (phone)');
	});

	await t.step('home on a phone', async () => {
		await expectHome(phone, editor.name);
		await checkA11y(phone, 'home (phone)');
	});

	// --- the same session at a desk ---
	const deskCtx = await t.context({ ...DESKTOP, storageState: await phoneCtx.storageState() });
	const desk = await deskCtx.newPage();
	let pageUrl;

	await t.step('open the new-page form', async () => {
		await desk.goto(srv.url('/'));
		await expectHome(desk, editor.name);
		await checkA11y(desk, 'home (desktop)');
		await nav(desk).getByRole('link', { name: 'Nuevo', exact: true }).click();
		await expectURL(desk, isPath('/new'), 'the new-page form /new');
		await expectVisible(desk.getByRole('heading', { level: 1, name: 'Nueva página', exact: true }),
			'the heading "Nueva página"');
		await checkA11y(desk, 'new-page form');
	});

	await t.step('write and publish the procedure', async () => {
		await desk.getByLabel('Título', { exact: true }).fill(TITLE);
		await desk.getByLabel('Tipo', { exact: true }).selectOption({ label: 'Procedimiento' });
		await desk.getByLabel('Categoría', { exact: true }).fill(CATEGORY);
		await desk.getByLabel('Etiquetas', { exact: true }).fill('devoluciones, caja');
		await desk.getByLabel('Texto', { exact: true }).fill(MARKDOWN);
		await t.shot(desk, 'new procedure filled in');
		await desk.getByRole('button', { name: 'Publicar', exact: true }).click();
		await expectURL(desk, /\/p\/[^/?#]+$/, 'the new page /p/{slug}');
		pageUrl = desk.url();
	});

	await t.step('see the procedure rendered', async () => {
		await expectRendered(desk, OLD_STEP);
		await expectVisible(desk.getByRole('button', { name: `Categoría: ${CATEGORY}`, exact: true }),
			`the category "${CATEGORY}"`);
		await expectVisible(desk.getByRole('button', { name: 'Etiqueta: caja' }), 'the tag "caja"');
		await t.shot(desk, 'procedure published');
		await checkA11y(desk, 'procedure page, revision 1');
	});

	await t.step('edit a step with a comment', async () => {
		await desk.getByRole('article').getByRole('link', { name: 'Editar', exact: true }).click();
		await expectURL(desk, /\/p\/[^/]+\/edit$/, 'the edit form /p/{slug}/edit');
		await expectVisible(desk.getByRole('heading', { level: 1, name: 'Editar página', exact: true }),
			'the heading "Editar página"');
		await checkA11y(desk, 'edit form');
		const text = desk.getByLabel('Texto', { exact: true });
		const md = await text.inputValue();
		assert(md.includes(OLD_STEP), `the editor should hold the saved Markdown, got:\n${md.slice(0, 300)}`);
		await text.fill(md.replace(OLD_STEP, NEW_STEP));
		await desk.getByLabel('Resumen del cambio', { exact: true }).fill(COMMENT);
		await t.shot(desk, 'edit form changed');
		await desk.getByRole('button', { name: 'Guardar', exact: true }).click();
		await expectURL(desk, pageUrl, 'the page again after saving');
		await expectRendered(desk, NEW_STEP);
		assert(await desk.getByText(OLD_STEP).count() === 0, `the old step "${OLD_STEP}" is still shown`);
		await expectVisible(desk.getByText(/rev\. 2\b/), 'the revision number "rev. 2"');
		await checkA11y(desk, 'procedure page, revision 2');
	});

	await t.step('open the history', async () => {
		await desk.getByRole('article').getByRole('link', { name: 'Historial', exact: true }).click();
		await expectURL(desk, /\/p\/[^/]+\/history$/, 'the history /p/{slug}/history');
		await expectVisible(desk.getByRole('heading', { level: 1, name: 'Historial', exact: true }),
			'the heading "Historial"');
		const table = desk.getByRole('table');
		await expectVisible(table.getByRole('row').filter({ hasText: COMMENT }),
			`the revision 2 with its comment "${COMMENT}"`);
		const rows = await table.getByRole('row').count();
		assert(rows === 3, `expected a header row and 2 revisions in the history, found ${rows} rows`);
		await expectVisible(table.getByRole('row').filter({ hasText: editor.name }), `the author "${editor.name}"`);
		await t.shot(desk, 'history');
		await checkA11y(desk, 'history');
	});

	await t.step('open the diff of revisions 1 and 2', async () => {
		await desk.getByRole('link', { name: 'Comparar con la anterior 1 → 2', exact: true }).click();
		await expectURL(desk, (u) => /\/p\/[^/]+\/diff$/.test(u.pathname) &&
			u.searchParams.get('from') === '1' && u.searchParams.get('to') === '2',
			'the diff /p/{slug}/diff?from=1&to=2');
		await expectVisible(desk.getByRole('heading', { level: 1, name: 'Comparar revisiones', exact: true }),
			'the heading "Comparar revisiones"');
		assert(await desk.getByLabel('Desde la revisión', { exact: true }).inputValue() === '1',
			'the "Desde la revisión" picker should say 1');
		assert(await desk.getByLabel('Hasta la revisión', { exact: true }).inputValue() === '2',
			'the "Hasta la revisión" picker should say 2');
		const table = desk.getByRole('table');
		await expectVisible(table.getByRole('row').filter({ hasText: NEW_STEP }), `the added line "${NEW_STEP}"`);
		await expectVisible(table.getByRole('row').filter({ hasText: OLD_STEP }), `the removed line "${OLD_STEP}"`);
		await expectVisible(desk.getByText('Líneas añadidas: 1', { exact: true }), '"Líneas añadidas: 1"');
		await expectVisible(desk.getByText('Líneas quitadas: 1', { exact: true }), '"Líneas quitadas: 1"');
		// Unchanged lines around the change are context, not changes.
		await expectVisible(table.getByRole('row').filter({ hasText: 'Comprobar la fecha de compra' }),
			'a context line around the change');
		await t.shot(desk, 'diff 1-2');
		await checkA11y(desk, 'diff 1→2');
	});

	// --- back at the counter ---
	await t.step('read the procedure on a phone', async () => {
		await phone.goto(pageUrl);
		await expectRendered(phone, NEW_STEP);
		const { scroll, width } = await phone.evaluate(() => ({
			scroll: document.documentElement.scrollWidth, width: window.innerWidth,
		}));
		if (scroll > width)
			t.fail(`on a 390 px phone the page scrolls sideways: it is ${scroll} px wide`);
		await t.shot(phone, 'procedure (phone)');
		await checkA11y(phone, 'procedure page (phone)');
	});

	await t.step('log out', async () => {
		const out = nav(phone).getByRole('button', { name: 'Salir', exact: true });
		await expectVisible(out, 'the "Salir" (log out) button in the main navigation on a phone');
		await out.click();
		await expectURL(phone, isPath('/login'), 'the login page after logging out');
		await expectVisible(phone.getByRole('heading', { level: 1, name: 'Entrar', exact: true }),
			'the heading "Entrar"');
		await t.shot(phone, 'logged out');
		await checkA11y(phone, 'login after logout (phone)');
		// The session is over for both devices.
		await desk.goto(srv.url('/'));
		await expectURL(desk, isPath('/login'), 'the login page: the session should be over');
		assert(await nav(phone).getByRole('link', { name: 'Entrar', exact: true }).isVisible(),
			'after logging out the bar should offer "Entrar"');
	});
}
