// What a user of Oficio does often, in the words of the Spanish interface.
// Elements are found by role and accessible name, as a screen reader user
// (or anyone reading the screen) would find them.
import { PASSWORD } from './server.mjs';
import { checkA11y, expectURL, expectVisible } from './harness.mjs';

export const HOME_HEADING = '¿Qué necesitas resolver?';

export const isPath = (p) => (u) => u.pathname === p;

/** The site's main navigation (the bar at the top). */
export function nav(page) {
	return page.getByRole('navigation', { name: 'Principal', exact: true });
}

/**
 * On the login page: types the credentials and presses "Entrar"; waits
 * to leave /login. With a11y, runs axe on the form first.
 */
export async function submitLogin(page, username, { a11y, password = PASSWORD } = {}) {
	await expectVisible(page.getByRole('heading', { level: 1, name: 'Entrar', exact: true }),
		'the login heading "Entrar"');
	if (a11y) await checkA11y(page, a11y);
	await page.getByLabel('Usuario', { exact: true }).fill(username);
	await page.getByLabel('Contraseña', { exact: true }).fill(password);
	await page.getByRole('button', { name: 'Entrar', exact: true }).click();
	await expectURL(page, (u) => u.pathname !== '/login', 'a page past the login form (wrong password?)');
}

/** Opens / (which sends a stranger to /login) and logs in there. */
export async function login(page, srv, username, opts = {}) {
	await page.goto(srv.url('/'));
	await expectURL(page, isPath('/login'), 'the login page (a stranger opening /)');
	await submitLogin(page, username, opts);
	await expectURL(page, isPath('/'), 'the home page after logging in');
}

/** Checks the home page of a logged-in user whose name shows in the bar. */
export async function expectHome(page, displayName) {
	await expectURL(page, isPath('/'), 'the home page');
	await expectVisible(page.getByRole('heading', { level: 1, name: HOME_HEADING }),
		`the home heading "${HOME_HEADING}"`);
	if (displayName)
		await expectVisible(nav(page).getByRole('link', { name: displayName }),
			`a link with the user's name "${displayName}" in the main navigation`);
}
