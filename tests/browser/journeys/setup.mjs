// Journey 2, the first administrator: a server with no users prints a
// one-time link; the admin opens it, fills the form and lands logged in
// on the home page. The link then no longer works.
import { Server, PASSWORD } from '../lib/server.mjs';
import { assert, checkA11y, expectURL, expectVisible } from '../lib/harness.mjs';
import { expectHome, nav } from '../lib/oficio.mjs';

const ADMIN = { username: 'lucia', name: 'Lucía Gómez' };

export async function firstAdmin(t) {
	const srv = new Server();
	try {
		let link;
		await t.step('start a server with no users and read the setup link', async () => {
			await srv.start();
			const m = await srv.waitForOutput(/http:\/\/[^\s/]+\/setup\?token=[A-Za-z0-9_-]+/);
			link = m[0];
			const u = new URL(link);
			assert(u.port === String(srv.port), `the setup link ${link} should name the port ${srv.port}`);
		});

		const page = await t.page();
		await t.step('open the setup link', async () => {
			const res = await page.goto(link);
			assert(res.status() === 200, `the setup link answered ${res.status()}`);
			await expectVisible(page.getByRole('heading', { level: 1, name: 'Crear el primer administrador', exact: true }),
				'the heading "Crear el primer administrador"');
			await t.shot(page, 'setup form');
			await checkA11y(page, 'setup form');
		});

		await t.step('create the administrator', async () => {
			await page.getByLabel('Usuario', { exact: true }).fill(ADMIN.username);
			await page.getByLabel('Nombre para mostrar', { exact: true }).fill(ADMIN.name);
			await page.getByLabel('Contraseña', { exact: true }).fill(PASSWORD);
			await page.getByRole('button', { name: 'Crear administrador', exact: true }).click();
			await expectHome(page, ADMIN.name);
			await expectVisible(nav(page).getByRole('link', { name: 'Admin', exact: true }),
				'the "Admin" link of an administrator');
			await t.shot(page, 'home as the first admin');
			await checkA11y(page, 'home of the first admin');
		});

		await t.step('the setup link works once', async () => {
			const again = await t.page();
			const res = await again.goto(link);
			assert(res.status() === 404, `opening the setup link again should answer 404, got ${res.status()}`);
			await checkA11y(again, 'used setup link (error page)');
			await expectURL(page, (u) => u.pathname === '/', 'still the home page');
		});
	} finally {
		await srv.stop();
	}
}
