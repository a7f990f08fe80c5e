// Journey 3, search from the header: a staff member on some page types a
// word in the search box of the bar and presses Enter; the results page
// shows what was found (or says nothing was) and passes axe.
import { checkA11y, expectURL, expectVisible } from '../lib/harness.mjs';
import { login, nav } from '../lib/oficio.mjs';

const WORDS = 'devolución';

// A search field is a searchbox, or a combobox once oficio.js adds
// search-as-you-type.
function searchBox(scope) {
	const name = { name: 'Buscar en Oficio', exact: true };
	return scope.getByRole('combobox', name).or(scope.getByRole('searchbox', name));
}

export async function headerSearch(t, { srv, staff, foundTitle }) {
	const page = await t.page();

	await t.step('log in and go to a page with the header search box', async () => {
		await login(page, srv, staff.username);
		// The home page has its own big search box instead; "Explorar" has
		// the one in the bar.
		await nav(page).getByRole('link', { name: 'Explorar', exact: true }).click();
		await expectURL(page, (u) => u.pathname === '/browse', 'the browse page');
		await checkA11y(page, 'browse');
	});

	await t.step('search from the header box with Enter', async () => {
		const box = searchBox(page.getByRole('banner').getByRole('search'));
		await expectVisible(box, 'the search box "Buscar en Oficio" in the header');
		await box.click();
		await box.pressSequentially(WORDS, { delay: 20 });
		// oficio.js offers matching titles as you type; check that state
		// too when it shows (it is an enhancement: not required).
		const list = page.getByRole('banner').getByRole('listbox');
		try {
			await list.waitFor({ state: 'visible', timeout: 3000 });
			await checkA11y(page, 'header search with suggestions open');
		} catch {
			t.note(`no search suggestions appeared for "${WORDS}"`);
		}
		await t.shot(page, 'typing in the header search');
		await box.press('Enter');
		await expectURL(page, (u) => u.pathname === '/search' && u.searchParams.get('q') === WORDS,
			`the results page /search?q=${WORDS}`);
	});

	await t.step('see the results page', async () => {
		await expectVisible(page.getByRole('heading', { level: 1, name: 'Buscar', exact: true }),
			'the heading "Buscar"');
		const q = searchBox(page.getByRole('main').getByRole('search'));
		const value = await q.inputValue();
		if (value !== WORDS) t.fail(`the results page's search box should keep "${WORDS}", it holds "${value}"`);
		// Either "Resultados: N" with a list, or "No encontramos nada".
		await expectVisible(page.getByRole('status'), 'the result count or the "nothing found" message (role=status)');
		const status = (await page.getByRole('status').first().innerText()).replace(/\s+/g, ' ').trim();
		if (foundTitle) {
			const hit = page.getByRole('main').getByRole('link', { name: foundTitle, exact: true });
			if (!(await hit.count()))
				t.note(`search "${WORDS}" did not list "${foundTitle}" (status: ${status})`);
		}
		await t.shot(page, 'search results');
		await checkA11y(page, 'search results');
	});

	await t.step('narrow the results to a tag, then page back from past the end', async () => {
		const main = page.getByRole('main');
		// The filters are folded away until used (a phone shows results sooner).
		const filters = main.locator('details.search-filters');
		if (await filters.getAttribute('open') !== null) t.fail('the filters are open with none set');
		await filters.locator('summary').click();
		await main.getByLabel('Etiqueta', { exact: true }).selectOption('devoluciones');
		await main.getByRole('search').getByRole('button', { name: 'Buscar', exact: true }).click();
		await expectURL(page, (u) => u.pathname === '/search' && u.searchParams.get('tag') === 'devoluciones'
			&& u.searchParams.get('q') === WORDS, `/search?q=${WORDS}&tag=devoluciones`);
		await expectVisible(main.locator('details.search-filters summary', { hasText: 'Filtros (1)' }),
			'the summary "Filtros (1)", open');
		const chosen = await main.getByLabel('Etiqueta', { exact: true }).inputValue();
		if (chosen !== 'devoluciones') t.fail(`the tag filter should stay on "devoluciones", it is "${chosen}"`);
		if (foundTitle)
			await expectVisible(main.getByRole('link', { name: foundTitle, exact: true }),
				`"${foundTitle}" (tagged devoluciones) among the results`);
		// A link kept from a longer list: one result a page, the fifth.
		await page.goto(srv.url(`/search?q=${encodeURIComponent(WORDS)}&tag=devoluciones&limit=1&offset=4`));
		const pager = page.getByRole('navigation', { name: 'Páginas de resultados', exact: true });
		await expectVisible(pager, 'the "Páginas de resultados" navigation');
		await checkA11y(page, 'search results past the end, with the pager');
		await pager.getByRole('button', { name: 'Anteriores', exact: true }).click();
		await expectURL(page, (u) => u.searchParams.get('offset') === '0' && u.searchParams.get('tag') === 'devoluciones'
			&& u.searchParams.get('limit') === '1', 'the first page of the same search');
		if (foundTitle)
			await expectVisible(main.getByRole('link', { name: foundTitle, exact: true }),
				`"${foundTitle}" on the first page`);
		await t.shot(page, 'search narrowed to a tag');
	});
}
