// Journey: a case lesson feeds its procedure (issue 6), in Spanish.
// A staff member, on her phone, writes a case lesson from the template:
// she accepted a return past the deadline, and links the returns
// procedure; she submits it. A manager approves it from /review; the
// procedure then shows "1 lección cuestiona este procedimiento"; the
// manager updates the procedure from that challenge (the new revision
// links the lesson); the challenge is gone, and the lesson's author sees
// the outcome in her inbox (/me). Screenshots at each step; axe on every
// page visited.
import { Server } from '../lib/server.mjs';
import { DESKTOP, PHONE, assert, checkA11y, expectURL, expectVisible } from '../lib/harness.mjs';
import { login, nav } from '../lib/oficio.mjs';

const STAFF = { username: 'lucia', role: 'staff', name: 'Lucía Pérez' };
const MANAGER = { username: 'ramon', role: 'manager', name: 'Ramón Soto' };

const PROC = 'Devolución fuera de plazo';
const PROC_MD = `Cuando un cliente quiere devolver un producto pasados los 30 días.

## Pasos

- [ ] Pedir el ticket
- [ ] Explicar que el plazo es de 30 días y no se admite la devolución
`;
const LESSON = 'Devolución de un regalo a los 40 días';
const RULE = 'Plazo de devolución de 30 días';
const OLD_STEP = 'Explicar que el plazo es de 30 días y no se admite la devolución';
const NEW_STEP = 'Si es un regalo, aceptar la devolución hasta 45 días con un vale';
const CHALLENGE = '1 lección cuestiona este procedimiento';

const pathIs = (p) => (u) => u.pathname === p;

export async function lifecycle(t) {
	const srv = new Server();
	try {
		await t.step('start a server with a staff member and a manager', async () => {
			for (const u of [STAFF, MANAGER]) await srv.addUser(u.username, u.role, u.name);
			await srv.start();
		});

		const desk = await t.page(DESKTOP);
		let procUrl;
		await t.step('the manager publishes the returns procedure', async () => {
			await login(desk, srv, MANAGER.username);
			await desk.goto(srv.url('/new?kind=procedure'));
			await desk.getByLabel('Título', { exact: true }).fill(PROC);
			await desk.getByLabel('Categoría', { exact: true }).fill('Devoluciones');
			await desk.getByLabel('Texto', { exact: true }).fill(PROC_MD);
			await desk.getByRole('button', { name: 'Publicar', exact: true }).click();
			await expectURL(desk, /\/p\/[^/?#]+$/, 'the new procedure /p/{slug}');
			procUrl = desk.url();
			await t.shot(desk, 'procedure published');
			await checkA11y(desk, 'procedure, revision 1');
		});

		const phone = await t.page(PHONE);
		let lessonUrl;
		await t.step('the staff member starts a case lesson from the template', async () => {
			await login(phone, srv, STAFF.username, { a11y: 'login (phone)' });
			await phone.getByRole('link', { name: 'Contar un caso', exact: true }).click();
			await expectURL(phone, (u) => u.pathname === '/new' && u.searchParams.get('kind') === 'lesson',
				'the new lesson form /new?kind=lesson');
			const text = phone.getByLabel('Texto', { exact: true });
			const md = await text.inputValue();
			assert(md.includes('## Situación') && md.includes('## Lo que aprendimos'),
				`the lesson should start from the template, got:\n${md.slice(0, 200)}`);
			await checkA11y(phone, 'new lesson form (phone)');
		});

		await t.step('she writes the lesson, links the procedure and saves a draft', async () => {
			await phone.getByLabel('Título', { exact: true }).fill(LESSON);
			const text = phone.getByLabel('Texto', { exact: true });
			const md = (await text.inputValue())
				.replace('¿Qué necesitaba el cliente? ¿Qué tenía de especial el caso?',
					'Una clienta quería devolver una cafetera que le regalaron, a los 40 días, sin abrir.')
				.replace('## Qué hice\n\n', '## Qué hice\n\nAcepté la devolución fuera de plazo y le di un vale.\n')
				.replace('## Resultado\n\n', '## Resultado\n\nSe fue contenta y compró otra cosa con el vale.\n')
				.replace('## Lo que aprendimos\n\n', '## Lo que aprendimos\n\nCon los regalos, 30 días se quedan cortos.\n');
			await text.fill(md);
			await phone.getByLabel('Procedimiento relacionado', { exact: true }).fill(PROC);
			await phone.getByLabel('Hice una excepción a una regla a favor del cliente', { exact: true }).check();
			await phone.getByLabel('¿Qué regla?', { exact: true }).fill(RULE);
			await phone.getByLabel('Resultado', { exact: true }).selectOption({ label: 'Positivo' });
			await phone.getByLabel('Fecha del caso', { exact: true }).fill('2026-03-14');
			await t.shot(phone, 'lesson filled in (phone)');
			await phone.getByRole('button', { name: 'Guardar borrador', exact: true }).click();
			await expectURL(phone, /\/p\/[^/?#]+$/, 'the lesson page /p/{slug}');
			lessonUrl = phone.url();
			const article = phone.getByRole('article');
			await expectVisible(article.getByRole('heading', { level: 1, name: LESSON, exact: true }), 'the lesson title');
			await expectVisible(article.getByText('Borrador', { exact: true }), 'the "Borrador" badge');
			await expectVisible(article.getByRole('link', { name: PROC, exact: true }), 'a link to the procedure');
			await expectVisible(article.getByText(RULE), `the rule bent "${RULE}"`);
			await t.shot(phone, 'lesson draft (phone)');
			await checkA11y(phone, 'lesson draft (phone)');
		});

		await t.step('she submits it for review', async () => {
			await phone.getByRole('button', { name: 'Enviar a revisión', exact: true }).click();
			await expectURL(phone, lessonUrl, 'the lesson again after submitting');
			await expectVisible(phone.getByRole('article').getByText('En revisión', { exact: true }),
				'the "En revisión" badge');
			assert(await phone.getByRole('button', { name: 'Enviar a revisión', exact: true }).count() === 0,
				'after submitting, "Enviar a revisión" should be gone');
			await t.shot(phone, 'lesson in review (phone)');
			await checkA11y(phone, 'lesson in review (phone)');
		});

		await t.step('the manager sees it in /review and approves it', async () => {
			await desk.goto(srv.url('/'));
			const link = nav(desk).getByRole('link', { name: /^Revisar/ });
			await expectVisible(link, 'the "Revisar" link in the navigation');
			const name = (await link.innerText()).replace(/\s+/g, ' ').trim();
			assert(/\b1\b/.test(name), `the "Revisar" link should show 1 pending item, it reads "${name}"`);
			await checkA11y(desk, 'home with the review badge');
			await link.click();
			await expectURL(desk, pathIs('/review'), 'the review queue /review');
			await expectVisible(desk.getByRole('heading', { level: 1, name: 'Revisar', exact: true }), 'the heading "Revisar"');
			const item = desk.getByRole('listitem').filter({ has: desk.getByRole('heading', { name: LESSON }) });
			await expectVisible(item, `the lesson "${LESSON}" in the queue`);
			await expectVisible(item.getByText(RULE), 'the rule bent, shown in the queue');
			await t.shot(desk, 'review queue');
			await checkA11y(desk, 'review queue');
			await item.getByLabel(/^Comentario/).fill('Bien contado: revisamos el plazo de los regalos.');
			await item.getByRole('button', { name: /^Aprobar/ }).click();
			await expectURL(desk, pathIs('/review'), 'the queue again after approving');
			await expectVisible(desk.getByText('No hay nada en revisión.', { exact: true }), 'an empty queue');
			await t.shot(desk, 'review queue empty');
			await checkA11y(desk, 'review queue, empty');
		});

		await t.step(`the procedure shows "${CHALLENGE}"`, async () => {
			await desk.goto(procUrl);
			await expectVisible(desk.getByText(CHALLENGE, { exact: true }), `"${CHALLENGE}"`);
			const related = desk.getByRole('region', { name: 'Casos relacionados' });
			await expectVisible(related.getByRole('link', { name: LESSON, exact: true }), 'the lesson among the related lessons');
			await t.shot(desk, 'procedure challenged');
			await checkA11y(desk, 'procedure challenged');
		});

		await t.step('the manager updates the procedure from the challenge', async () => {
			await desk.getByRole('link', { name: `Actualizar el procedimiento con este caso ${LESSON}`, exact: true }).click();
			await expectURL(desk, (u) => /\/p\/[^/]+\/edit$/.test(u.pathname) && u.searchParams.has('lesson'),
				'the editor opened with ?lesson=ID');
			await expectVisible(desk.getByText('Actualizas este procedimiento a partir del caso'), 'the note naming the lesson');
			await expectVisible(desk.getByRole('main').getByRole('link', { name: LESSON, exact: true }), 'a link to the lesson');
			await checkA11y(desk, 'editor from the challenge');
			const text = desk.getByLabel('Texto', { exact: true });
			await text.fill((await text.inputValue()).replace(OLD_STEP, NEW_STEP));
			await desk.getByLabel('Resumen del cambio', { exact: true }).fill('Regalos: hasta 45 días con vale');
			await t.shot(desk, 'procedure edited from the lesson');
			await desk.getByRole('button', { name: 'Guardar', exact: true }).click();
			await expectURL(desk, procUrl, 'the procedure again after saving');
		});

		await t.step('the challenge is gone and the new revision links the lesson', async () => {
			await expectVisible(desk.getByRole('article').getByText(NEW_STEP), 'the new step');
			assert(await desk.getByText(CHALLENGE).count() === 0, `"${CHALLENGE}" is still shown`);
			await expectVisible(desk.getByText('El último cambio se hizo a partir del caso'), 'the revision linking the lesson');
			await t.shot(desk, 'procedure updated');
			await checkA11y(desk, 'procedure updated');
			await desk.getByRole('article').getByRole('link', { name: 'Historial', exact: true }).click();
			await expectURL(desk, /\/history$/, 'the history');
			const row = desk.getByRole('row').filter({ hasText: 'Regalos: hasta 45 días con vale' });
			await expectVisible(row.getByRole('link', { name: LESSON, exact: true }), 'revision 2 linked to the lesson');
			await expectVisible(desk.getByText('Actualizada a partir de un caso', { exact: true }), 'the event in the history');
			await t.shot(desk, 'history with the lesson');
			await checkA11y(desk, 'history');
		});

		await t.step('the lesson\'s author sees the outcome in her inbox', async () => {
			await phone.goto(srv.url('/'));
			const me = nav(phone).getByRole('link', { name: new RegExp(STAFF.name) });
			await expectVisible(me, 'her name in the navigation');
			const name = (await me.innerText()).replace(/\s+/g, ' ');
			assert(/\d/.test(name), `her inbox link should show a count, it reads "${name}"`);
			await me.click();
			await expectURL(phone, pathIs('/me'), 'her page /me');
			const inbox = phone.getByRole('region', { name: /Lo que te espera/ });
			await expectVisible(inbox, 'the inbox "Lo que te espera"');
			await expectVisible(inbox.getByText('Tu caso cambió el procedimiento'), 'the outcome of her lesson');
			await expectVisible(inbox.getByRole('link', { name: PROC, exact: true }), 'a link to the procedure');
			await expectVisible(inbox.getByText('Aprobado', { exact: true }), 'the approval of her lesson');
			await t.shot(phone, 'inbox with the outcome (phone)');
			await checkA11y(phone, 'inbox (phone)');
			const { scroll, width } = await phone.evaluate(() => ({
				scroll: document.documentElement.scrollWidth, width: window.innerWidth,
			}));
			if (scroll > width) t.fail(`on a 390 px phone /me scrolls sideways: ${scroll} px wide`);
			await phone.getByRole('button', { name: 'Marcar como visto', exact: true }).click();
			await expectURL(phone, pathIs('/me'), '/me after marking as seen');
			assert(await phone.getByText('Tu caso cambió el procedimiento').count() === 0,
				'the outcome still shows after "Marcar como visto"');
			await t.shot(phone, 'inbox seen (phone)');
			await checkA11y(phone, 'inbox seen (phone)');
		});
	} finally {
		await srv.stop();
	}
}
