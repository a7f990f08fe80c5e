// Journey: a member of staff at the counter follows a procedure's
// checklist on her phone. She ticks steps as she goes (by the box or by
// the step's text), a customer interrupts, she reloads: her ticks are
// still there, in her browser only (no request is sent, another browser
// sees none, and they are gone the next day); "Desmarcar todo" starts
// again. Without JavaScript the steps are plain marks, not controls that
// do nothing. axe runs on each state.
import { DESKTOP, PHONE, assert, checkA11y, expectVisible } from '../lib/harness.mjs';
import { login } from '../lib/oficio.mjs';

// The procedure the foundation journey published (revision 2).
const SLUG = 'devolucion-fuera-de-plazo';
const STEPS = [
	'Pedir el ticket o el número de pedido',
	'Comprobar la fecha de compra',
	'Ofrecer un vale si han pasado menos de 60 días',
	'Anotar el caso en Oficio',
];
const RESET = 'Desmarcar todo';

async function ticked(page) {
	const out = [];
	for (const s of STEPS)
		out.push(await page.getByRole('checkbox', { name: s, exact: true }).isChecked());
	return out.map((b) => (b ? 1 : 0)).join('');
}

export async function checklist(t, { srv, staff, editor }) {
	const ctx = await t.context(PHONE);
	const phone = await ctx.newPage();
	const writes = [];
	phone.on('request', (r) => {
		if (r.method() !== 'GET' && r.method() !== 'HEAD') writes.push(`${r.method()} ${r.url()}`);
	});

	await t.step('open the procedure on a phone', async () => {
		await login(phone, srv, staff.username);
		writes.length = 0;
		await phone.goto(srv.url(`/p/${SLUG}`));
		const article = phone.getByRole('article');
		for (const s of STEPS) {
			const box = article.getByRole('checkbox', { name: s, exact: true });
			await expectVisible(box, `the step "${s}" as a checkbox named by its text`);
			assert(await box.isEnabled(), `the step "${s}" should be tickable`);
			assert(!(await box.isChecked()), `the step "${s}" should start unticked`);
		}
		await expectVisible(article.getByText('se guardan en este navegador', { exact: false }),
			'the note that the ticks stay in this browser');
		assert(!(await article.getByRole('button', { name: RESET }).isVisible()),
			`"${RESET}" shows before anything is ticked`);
		await checkA11y(phone, 'procedure checklist, nothing ticked (phone)');
	});

	await t.step('tick two steps, by the box and by the text', async () => {
		await phone.getByRole('checkbox', { name: STEPS[0], exact: true }).tap();
		await phone.getByRole('article').getByText(STEPS[1], { exact: true }).tap();
		assert(await ticked(phone) === '1100', `ticked: ${await ticked(phone)}`);
		await expectVisible(phone.getByRole('button', { name: RESET, exact: true }), `the "${RESET}" button`);
		await t.shot(phone, 'two steps ticked (phone)');
		await checkA11y(phone, 'procedure checklist, two ticked (phone)');
	});

	await t.step('after a reload the ticks are still there, and nothing was sent', async () => {
		await phone.reload();
		await expectVisible(phone.getByRole('checkbox', { name: STEPS[0], exact: true }), 'the checklist again');
		assert(await ticked(phone) === '1100', `after a reload: ${await ticked(phone)}`);
		assert(!writes.length, `ticking sent requests: ${writes.join(', ')}`);
	});

	await t.step('another browser sees the page unticked', async () => {
		const other = await t.page(DESKTOP);
		await login(other, srv, staff.username);
		await other.goto(srv.url(`/p/${SLUG}`));
		await expectVisible(other.getByRole('checkbox', { name: STEPS[0], exact: true }), 'the checklist');
		assert(await ticked(other) === '0000', `another browser: ${await ticked(other)}`);
	});

	await t.step(`"${RESET}" starts again`, async () => {
		await phone.getByRole('button', { name: RESET, exact: true }).tap();
		assert(await ticked(phone) === '0000', `after ${RESET}: ${await ticked(phone)}`);
		await phone.reload();
		await expectVisible(phone.getByRole('checkbox', { name: STEPS[0], exact: true }), 'the checklist again');
		assert(await ticked(phone) === '0000', `after ${RESET} and a reload: ${await ticked(phone)}`);
	});

	await t.step('ticks of another day are forgotten', async () => {
		await phone.getByRole('checkbox', { name: STEPS[2], exact: true }).tap();
		await phone.evaluate(() => {
			for (let i = 0; i < localStorage.length; i++) {
				const k = localStorage.key(i);
				if (!k.startsWith('oficio.steps:')) continue;
				const j = JSON.parse(localStorage.getItem(k));
				j.day = '2001-1-1';
				localStorage.setItem(k, JSON.stringify(j));
			}
		});
		await phone.reload();
		await expectVisible(phone.getByRole('checkbox', { name: STEPS[0], exact: true }), 'the checklist again');
		assert(await ticked(phone) === '0000', `yesterday's ticks: ${await ticked(phone)}`);
		const left = await phone.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('oficio.steps:')));
		assert(!left.length, `yesterday's ticks are still stored: ${left.join(', ')}`);
	});

	await t.step('a loose list, a step written as done, an empty step: each box is named', async () => {
		const { stdout } = await srv.cli(['token', 'create', editor.username]);
		const r = await fetch(srv.url('/api/v1/pages/cambio-de-rollo'), {
			method: 'PUT',
			headers: { Authorization: `Bearer ${stdout.trim().split('\n').pop()}`,
				'Content-Type': 'application/json' },
			body: JSON.stringify({ title: 'Cambio de rollo', kind: 'procedure', markdown:
				'- [ ] Abrir la tapa\n\n- [x] Apagar la impresora\n\n  Con el botón de atrás.\n\n- [ ] \n' }),
		});
		assert(r.status === 201, `creating the page answered ${r.status}`);
		await phone.goto(srv.url('/p/cambio-de-rollo'));
		const article = phone.getByRole('article');
		for (const [name, on] of [['Abrir la tapa', false], ['Apagar la impresora', true], ['Paso 3', false]]) {
			const box = article.getByRole('checkbox', { name, exact: true });
			await expectVisible(box, `the step "${name}" as a named checkbox`);
			assert(await box.isChecked() === on, `"${name}" should start ${on ? 'ticked' : 'unticked'}`);
		}
		await article.getByText('Abrir la tapa', { exact: true }).tap();
		assert(await article.getByRole('checkbox', { name: 'Abrir la tapa', exact: true }).isChecked(),
			'tapping a loose step\'s text should tick it');
		await t.shot(phone, 'loose checklist (phone)');
		await checkA11y(phone, 'loose checklist (phone)');
	});

	await t.step('without JavaScript the steps are plain marks', async () => {
		const off = await t.page({ ...PHONE, javaScriptEnabled: false });
		await login(off, srv, staff.username);
		await off.goto(srv.url(`/p/${SLUG}`));
		const article = off.getByRole('article');
		await expectVisible(article.getByText(STEPS[0], { exact: true }), 'the first step');
		assert(await article.getByRole('checkbox').count() === 0,
			'without JavaScript no step should be offered as a checkbox');
		const boxes = article.getByRole('checkbox', { includeHidden: true });
		assert(await boxes.count() === 4, `expected 4 marks, found ${await boxes.count()}`);
		for (let i = 0; i < 4; i++) {
			assert(await boxes.nth(i).isDisabled(), `mark ${i + 1} should not be a control`);
			const look = await boxes.nth(i).evaluate((b) => {
				const s = getComputedStyle(b);
				return { border: s.borderTopStyle, width: s.borderTopWidth, cursor: s.cursor };
			});
			assert(look.border === 'none' || look.width === '0px',
				`mark ${i + 1} is drawn as a box: ${JSON.stringify(look)}`);
		}
		await t.shot(off, 'procedure without JavaScript (phone)');
	});
}
