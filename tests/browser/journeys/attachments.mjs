// Journey 6, attachments from the editor (issue 8): an editor drops an
// image on the text of a new page (told to save first), publishes it,
// drops the image on the editor's text (oficio.js uploads it through the
// API and puts "![name](/files/HASH)" at the cursor), pastes a
// screenshot at the end, sees an HTML file
// refused in the status line with nothing inserted, saves, and finds the
// image in the page and among its attachments. The drops are synthetic
// DataTransfer events: what a browser sends when a file is dragged in.
import zlib from 'node:zlib';
import { assert, checkA11y, expectURL, expectVisible } from '../lib/harness.mjs';
import { isPath, login, nav } from '../lib/oficio.mjs';

const TITLE = 'Etiquetas de precio en el escaparate';
const FIRST = 'Las etiquetas van en la esquina inferior derecha.\n\n';
const REST = 'Se cambian cada lunes antes de abrir.\n';
const IMAGE = 'etiqueta.png';

/** A w×h PNG of one colour: a real image, small enough for the test. */
function png(w, h, [r, g, b]) {
	const chunk = (type, data) => {
		const len = Buffer.alloc(4);
		len.writeUInt32BE(data.length);
		const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
		const crc = Buffer.alloc(4);
		crc.writeUInt32BE(zlib.crc32(td) >>> 0);
		return Buffer.concat([len, td, crc]);
	};
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(w, 0);
	ihdr.writeUInt32BE(h, 4);
	ihdr.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB
	const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3).map((_, i) => [r, g, b][i % 3])]);
	const raw = Buffer.concat(Array.from({ length: h }, () => row));
	return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), chunk('IHDR', ihdr),
		chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Drops one file on the element: dragenter, dragover and drop events
 * carrying a DataTransfer, as a browser does. Resolves whether the page
 * took the drop (called preventDefault on it). */
function dropFile(page, selector, name, type, bytes) {
	return page.evaluate(({ selector, name, type, b64 }) => {
		const el = document.querySelector(selector);
		const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
		const dt = new DataTransfer();
		dt.items.add(new File([data], name, { type }));
		let taken = false;
		for (const t of ['dragenter', 'dragover', 'drop']) {
			const e = new DragEvent(t, { bubbles: true, cancelable: true, dataTransfer: dt });
			el.dispatchEvent(e);
			if (t === 'drop') taken = e.defaultPrevented;
		}
		return taken;
	}, { selector, name, type, b64: Buffer.from(bytes).toString('base64') });
}

const status = (page) => page.locator('#_md').locator('xpath=..').getByRole('status');

export async function attachments(t, { srv, editor }) {
	const page = await t.page();
	const image = png(48, 32, [0x1f, 0x7a, 0x3d]);
	const text = () => page.getByLabel('Texto', { exact: true });

	await t.step('log in and open the new-page form', async () => {
		await login(page, srv, editor.username);
		await nav(page).getByRole('link', { name: 'Nuevo', exact: true }).click();
		await expectURL(page, isPath('/new'), 'the new-page form /new');
	});

	await t.step('a file dropped on a new page: save it first', async () => {
		await text().fill(FIRST + REST);
		const taken = await dropFile(page, '#_md', IMAGE, 'image/png', image);
		assert(taken, 'the drop on the new page\'s text should be taken (not opened by the browser)');
		await expectVisible(status(page).getByText('Los archivos se adjuntan a una página ya guardada', { exact: false }),
			'the status saying files are attached once the page is saved');
		const md = await text().inputValue();
		assert(md === FIRST + REST, `nothing should be inserted in a new page's text, it holds:\n${md}`);
		await checkA11y(page, 'new-page form after a drop');
	});

	let slug;
	await t.step('publish the page', async () => {
		await page.getByLabel('Título', { exact: true }).fill(TITLE);
		await page.getByRole('button', { name: 'Publicar', exact: true }).click();
		await expectURL(page, /\/p\/[^/?#]+$/, 'the new page /p/{slug}');
		slug = new URL(page.url()).pathname.split('/')[2];
	});

	let ref, hash;
	await t.step('drop an image on the editor\'s text', async () => {
		await page.goto(srv.url(`/p/${slug}/edit`));
		await expectVisible(page.getByRole('heading', { level: 1, name: 'Editar página', exact: true }),
			'the heading "Editar página"');
		await expectVisible(page.getByText('También puedes soltar o pegar aquí una imagen', { exact: false }),
			'the hint that files can be dropped on the text');
		// The cursor between the two paragraphs.
		await text().click();
		await text().evaluate((ta, at) => ta.setSelectionRange(at, at), FIRST.length);
		const upload = page.waitForResponse((r) => r.url().includes(`/api/v1/pages/${slug}/attachments`) &&
			r.request().method() === 'POST');
		assert(await dropFile(page, '#_md', IMAGE, 'image/png', image), 'the drop on the editor should be taken');
		const res = await upload;
		assert(res.status() === 201, `the upload should answer 201, got ${res.status()}: ${await res.text()}`);
		await expectVisible(status(page).getByText(`${IMAGE} se ha adjuntado y enlazado en el texto.`, { exact: true }),
			`the status "${IMAGE} se ha adjuntado y enlazado en el texto."`);
		const md = await text().inputValue();
		const m = md.match(/!\[etiqueta\.png\]\(\/files\/([0-9a-f]{64})\)/);
		assert(m, `the text should hold ![${IMAGE}](/files/HASH), it holds:\n${md}`);
		[ref, hash] = m;
		// At the start of a line, it gets a line of its own.
		assert(md === FIRST + ref + '\n' + REST, `the reference should be at the cursor, the text is:\n${md}`);
		// The editor's list of attachments shows it already.
		await expectVisible(page.locator('#attachments').getByRole('link', { name: IMAGE, exact: true }),
			`"${IMAGE}" in the editor's list of attachments`);
		await checkA11y(page, 'editor after dropping an image');
		await t.shot(page, 'image dropped on the editor');
	});

	let ref2, hash2;
	await t.step('paste a screenshot at the end of the text', async () => {
		const shot = png(16, 16, [0x0b, 0x57, 0xa4]);
		await text().evaluate((ta) => ta.setSelectionRange(ta.value.length, ta.value.length));
		const taken = await text().evaluate((ta, b64) => {
			const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
			const dt = new DataTransfer();
			dt.items.add(new File([data], 'image.png', { type: 'image/png' }));
			const e = new ClipboardEvent('paste', { bubbles: true, cancelable: true, clipboardData: dt });
			ta.dispatchEvent(e);
			return e.defaultPrevented;
		}, shot.toString('base64'));
		assert(taken, 'the paste of an image should be taken');
		await expectVisible(status(page).getByText('image.png se ha adjuntado y enlazado en el texto.', { exact: true }),
			'the status "image.png se ha adjuntado y enlazado en el texto."');
		const md = await text().inputValue();
		const m = md.match(/!\[image\.png\]\(\/files\/([0-9a-f]{64})\)/);
		assert(m, `the text should hold ![image.png](/files/HASH), it holds:\n${md}`);
		[ref2, hash2] = m;
		assert(md === FIRST + ref + '\n' + REST + ref2, `the pasted image should be at the end, the text is:\n${md}`);
	});

	await t.step('an HTML file is refused, nothing inserted', async () => {
		const before = await text().inputValue();
		assert(await dropFile(page, '#_md', 'pagina.html', 'text/html',
			Buffer.from('<!doctype html><title>x</title><p>hola</p>\n')), 'the drop should be taken');
		const failed = status(page).locator('.failed');
		await expectVisible(failed.getByText('No se pudo subir pagina.html.', { exact: false }),
			'the error "No se pudo subir pagina.html." in the status line');
		const msg = await failed.first().innerText();
		assert(/no se admite/.test(msg), `the error should give the server's reason, it says: ${msg}`);
		const after = await text().inputValue();
		assert(after === before, `a refused file should insert nothing; the text became:\n${after}`);
		await checkA11y(page, 'editor after a refused file');
		await t.shot(page, 'html file refused');
	});

	await t.step('save and see the image in the page and its attachments', async () => {
		await page.getByRole('button', { name: 'Guardar', exact: true }).click();
		await expectURL(page, isPath(`/p/${slug}`), 'the page after saving');
		const img = page.getByRole('article').locator(`img[src="/files/${hash}"]`);
		await expectVisible(img, `the image /files/${hash} in the page`);
		const ok = await img.first().evaluate((el) => el.complete && el.naturalWidth === 48);
		assert(ok, 'the image in the page should load (48 px wide)');
		const served = await page.request.get(srv.url(`/files/${hash}`));
		assert(served.status() === 200, `/files/${hash} answered ${served.status()}`);
		assert(served.headers()['content-type'] === 'image/png',
			`/files/${hash} should be image/png, it is ${served.headers()['content-type']}`);
		assert(Buffer.compare(await served.body(), image) === 0, `/files/${hash} is not the dropped image`);
		const list = page.getByRole('region', { name: 'Adjuntos', exact: true });
		await expectVisible(list.getByRole('link', { name: IMAGE, exact: true }),
			`"${IMAGE}" among the page's attachments`);
		const api = await (await page.request.get(srv.url(`/api/v1/pages/${slug}/attachments`))).json();
		const names = api.attachments.map((a) => `${a.filename} ${a.hash}`).sort().join(', ');
		const want = [`${IMAGE} ${hash}`, `image.png ${hash2}`].sort().join(', ');
		assert(names === want, `the API should list ${want}; it lists: ${names}`);
		await expectVisible(page.getByRole('article').locator(`img[src="/files/${hash2}"]`),
			`the pasted image /files/${hash2} in the page`);
		await checkA11y(page, 'page with the dropped image');
		await t.shot(page, 'page with the image');
	});
}
