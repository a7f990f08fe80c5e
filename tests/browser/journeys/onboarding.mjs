// Journeys: onboarding and handover (issue 7), each on its own server
// with the same team and three pages.
// Onboarding: a manager makes the path "Primera semana en caja" and gives
// it to a new hire; the new hire, on her phone, finds it on the home page
// she lands on, reads each page, presses "Leído y entendido" and watches
// the bar fill to 100 %.
// Handover: the manager marks a colleague's departure, sees what he owns
// and alone wrote, passes it all to his successor in one step and creates
// the handover checklist; and looks at the reports.
// Screenshots of each step; axe on every page visited.
import { Server } from '../lib/server.mjs';
import { DESKTOP, PHONE, assert, checkA11y, expectURL, expectVisible } from '../lib/harness.mjs';
import { login } from '../lib/oficio.mjs';

const MANAGER = { username: 'carmen', name: 'Carmen Navarro', role: 'manager' };
const EDITOR = { username: 'edu', name: 'Eduardo Gil', role: 'editor' };
const HIRE = { username: 'nina', name: 'Nina Vidal', role: 'staff' };
const LEAVER = { username: 'javier', name: 'Javier Morales', role: 'editor' };
const SUCCESSOR = { username: 'lucia', name: 'Lucía Fernández', role: 'editor' };
const PATH = 'Primera semana en caja';

const PAGES = [
	['apertura-de-caja', 'Apertura de caja', LEAVER,
		'## Pasos\n\n- [ ] Contar el fondo de 150 €\n- [ ] Encender el datáfono\n'],
	['cierre-de-caja', 'Cierre de caja', LEAVER,
		'## Pasos\n\n- [ ] Sacar el informe Z\n- [ ] Contar el efectivo dos veces\n'],
	['devolucion-con-ticket', 'Devolución con ticket', EDITOR,
		'| Caso | Plazo |\n|---|---|\n| Con ticket | 30 días |\n\n- [ ] Comprobar la fecha\n'],
];

async function putPage(srv, token, [slug, title, , markdown]) {
	const r = await fetch(srv.url(`/api/v1/pages/${slug}`), {
		method: 'PUT',
		headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ title, markdown, kind: 'procedure', category: 'Caja' }),
	});
	assert(r.status === 201, `creating ${slug} answered ${r.status}: ${await r.text()}`);
}

/** The bar's words, e.g. "2 de 3 páginas confirmadas (67 %)". */
async function barLabel(scope) {
	const bar = scope.getByRole('img', { name: /páginas confirmadas/ }).first();
	await expectVisible(bar, 'a progress bar');
	return bar.getAttribute('aria-label');
}

async function startTeam(t, srv) {
	await t.step('start a server with a team and three pages', async () => {
		for (const u of [MANAGER, EDITOR, HIRE, LEAVER, SUCCESSOR])
			await srv.addUser(u.username, u.role, u.name);
		await srv.start();
		for (const p of PAGES) {
			const { stdout } = await srv.cli(['token', 'create', p[2].username]);
			await putPage(srv, stdout.trim().split('\n').pop(), p);
		}
	});
}

export async function onboarding(t) {
	const srv = new Server();
	try {
		await startTeam(t, srv);

		const boss = await t.page(DESKTOP);
		await t.step('the manager creates the path', async () => {
			await login(boss, srv, MANAGER.username);
			await boss.goto(srv.url('/paths'));
			await expectVisible(boss.getByRole('heading', { level: 1, name: 'Itinerarios de formación' }),
				'the paths page');
			await checkA11y(boss, 'paths (manager)');
			await boss.getByLabel('Título', { exact: true }).fill(PATH);
			await boss.getByLabel('Descripción', { exact: true }).fill('Lo imprescindible para la caja.');
			await boss.getByLabel('Páginas, en orden', { exact: true })
				.fill('Apertura de caja | 1\ncierre-de-caja | 2\nDevolución con ticket\n');
			await t.shot(boss, 'new path form');
			await boss.getByRole('button', { name: 'Crear itinerario', exact: true }).click();
			await expectURL(boss, /\/paths\/\d+$/, 'the new path');
			await expectVisible(boss.getByRole('heading', { level: 1, name: PATH }), 'the path heading');
		});

		await t.step('the manager assigns it to the new hire', async () => {
			await boss.getByLabel('Asignar a', { exact: true }).selectOption({ label: `${HIRE.name} (${HIRE.username})` });
			await boss.getByRole('button', { name: 'Asignar', exact: true }).click();
			await expectVisible(boss.getByRole('cell', { name: HIRE.name }), 'the new hire in the progress table');
			await t.shot(boss, 'path with the new hire at 0');
			await checkA11y(boss, 'path (manager)');
		});

		const phone = await t.page(PHONE);
		await t.step('the new hire lands on the home page and sees her path there', async () => {
			await login(phone, srv, HIRE.username);
			const block = phone.getByRole('region', { name: `Tu itinerario: ${PATH}` });
			await expectVisible(block.getByText('0 de 3 leídas'), 'the count on the home page');
			const label = await barLabel(block);
			assert(label.startsWith('0 de 3'), `the home page's bar should start at 0 of 3, says "${label}"`);
			await expectVisible(block.getByRole('link', { name: 'Apertura de caja', exact: true }),
				'the first page to read, on the home page');
			await expectVisible(block.getByRole('link', { name: PATH, exact: true }), 'the link to the path');
			await t.shot(phone, 'home with the path at 0 (phone)');
			await checkA11y(phone, 'home (new hire, phone)');
		});

		await t.step('the new hire sees her path at 0 % on her phone', async () => {
			await phone.goto(srv.url('/me'));
			const label = await barLabel(phone.getByRole('region', { name: 'Mis itinerarios' }));
			assert(label.startsWith('0 de 3'), `the bar should start at 0 of 3, says "${label}"`);
			await t.shot(phone, 'me at 0 (phone)');
			await checkA11y(phone, 'me (new hire, phone)');
		});

		await t.step('she reads each page and confirms it, up to 100 %', async () => {
			await phone.getByRole('link', { name: 'Apertura de caja' }).first().click();
			for (let i = 0; i < PAGES.length; i++) {
				const [slug, title] = PAGES[i];
				await expectURL(phone, (u) => u.pathname === `/p/${slug}`, `the page ${title}`);
				await expectVisible(phone.getByRole('heading', { level: 1, name: title }), `the heading ${title}`);
				if (i === 0) {
					await checkA11y(phone, `${title} before confirming (phone)`);
					await t.shot(phone, 'page with the confirmation button (phone)');
				}
				await phone.getByRole('button', { name: 'Leído y entendido', exact: true }).click();
				await expectVisible(phone.getByText('Leído y entendido: confirmaste la revisión 1'),
					`the confirmation of ${title}`);
				const label = await barLabel(phone.locator('#_ack'));
				assert(label.startsWith(`${i + 1} de 3`), `after ${title} the bar says "${label}"`);
				if (i === 0 || i === PAGES.length - 1)
					await checkA11y(phone, `${title} confirmed (phone)`);
				if (i < PAGES.length - 1)
					await phone.locator('#_ack').getByRole('link', { name: PAGES[i + 1][1] }).click();
			}
			await t.shot(phone, 'last page confirmed (phone)');
		});

		await t.step('her page says all read and understood', async () => {
			await phone.goto(srv.url('/me'));
			const label = await barLabel(phone.getByRole('region', { name: 'Mis itinerarios' }));
			assert(label.includes('(100 %)'), `the bar should be full, says "${label}"`);
			await expectVisible(phone.getByText('Todo leído y entendido'), 'the all-done message');
			await t.shot(phone, 'me at 100 (phone)');
			await checkA11y(phone, 'me at 100 (phone)');
			await phone.goto(srv.url('/'));
			await expectVisible(phone.getByRole('heading', { level: 1, name: '¿Qué necesitas resolver?' }),
				'the home page');
			const left = await phone.getByRole('region', { name: /^Tu itinerario/ }).count();
			assert(left === 0, 'the home page still shows a finished path');
		});

		await t.step('the manager sees her at 100 %', async () => {
			await boss.reload();
			const label = await barLabel(boss.getByRole('table'));
			assert(label.includes('(100 %)'), `the manager's table says "${label}"`);
			await t.shot(boss, 'path with the new hire at 100');
		});
	} finally {
		await srv.stop();
	}
}

export async function handover(t) {
	const srv = new Server();
	try {
		await startTeam(t, srv);

		const boss = await t.page(DESKTOP);
		await t.step('the manager marks a departure', async () => {
			await login(boss, srv, MANAGER.username);
			await boss.goto(srv.url('/reports/handover'));
			await checkA11y(boss, 'handover picker');
			await boss.getByLabel('Persona', { exact: true }).selectOption({ label: `${LEAVER.name} (${LEAVER.username})` });
			await boss.getByRole('button', { name: 'Ver su traspaso', exact: true }).click();
			await expectVisible(boss.getByRole('heading', { level: 1, name: `Traspaso: ${LEAVER.name}` }),
				'the handover of the leaver');
			await boss.getByLabel('Fecha de salida', { exact: true }).fill('2030-06-30');
			await boss.getByLabel('Quien recibe', { exact: true }).selectOption({ label: SUCCESSOR.name });
			await boss.getByRole('button', { name: 'Guardar la salida', exact: true }).click();
			await expectVisible(boss.getByText('Salida guardada.'), 'the saved notice');
			const owned = boss.getByRole('region', { name: /Es responsable de/ });
			for (const title of ['Apertura de caja', 'Cierre de caja'])
				await expectVisible(owned.getByRole('link', { name: title }), `"${title}" among his pages`);
			const sole = boss.getByRole('region', { name: /Solo lo ha escrito/ });
			await expectVisible(sole.getByRole('link', { name: 'Apertura de caja' }), 'a page he alone wrote');
			await t.shot(boss, 'handover of the leaver');
			await checkA11y(boss, 'handover (person)');
		});

		await t.step('everything passes to the successor in one step', async () => {
			await boss.getByLabel('Nueva persona responsable', { exact: true }).selectOption({ label: SUCCESSOR.name });
			await boss.getByRole('button', { name: 'Pasarlo todo', exact: true }).click();
			await expectVisible(boss.getByText('Responsabilidades y suplencias traspasadas.'), 'the done notice');
			await expectVisible(boss.getByRole('region', { name: /Es responsable de \(0\)/ }), 'nothing left to own');
			await t.shot(boss, 'handover done');
		});

		await t.step('the handover checklist page', async () => {
			await boss.getByRole('button', { name: 'Crear la lista de traspaso', exact: true }).click();
			await expectURL(boss, (u) => u.pathname.startsWith('/p/traspaso'), 'the checklist page');
			const article = boss.getByRole('article');
			await expectVisible(article.getByRole('link', { name: 'Apertura de caja' }), 'a wiki link in the checklist');
			await t.shot(boss, 'handover checklist');
			await checkA11y(boss, 'handover checklist page');
		});

		await t.step('the reports', async () => {
			for (const [path, heading] of [['/reports/risk', 'Riesgo de conocimiento'],
				['/reports/stale', 'Procedimientos caducados'], ['/reports/gaps', 'Huecos de conocimiento'],
				['/reports/challenges', 'Desafíos']]) {
				await boss.goto(srv.url(path));
				await expectVisible(boss.getByRole('heading', { level: 1, name: heading }), heading);
				await t.shot(boss, heading);
				await checkA11y(boss, heading);
			}
			const phoneBoss = await t.page({ ...PHONE, storageState: await boss.context().storageState() });
			await phoneBoss.goto(srv.url('/reports/risk'));
			await t.shot(phoneBoss, 'risk report (phone)');
			await checkA11y(phoneBoss, 'risk report (phone)');
		});
	} finally {
		await srv.stop();
	}
}
