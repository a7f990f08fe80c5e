// A tiny browser-test runner: named tests run in order in one Chromium,
// each with its own browser contexts; screenshots of the key steps go to
// tests/browser/artifacts/<test>/; checkA11y runs axe-core on a page.
//
// A test is `async (t) => { ... }` where t offers:
//   t.context(opts)        a new browser context (closed after the test)
//   t.page(opts)           a new page in a new context
//   t.step(name, fn)       runs fn; an error is reported with the step name
//   t.shot(page, name)     a full-page screenshot
//   t.fail(message)        records a failure and goes on (the test fails)
// Accessibility problems and JavaScript errors on the page are recorded
// with t.fail, so one journey reports every page it visits, not just the
// first broken one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilder from '@axe-core/playwright';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.resolve(HERE, '..', 'artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

const TEST_TIMEOUT_MS = 90000;
const VERBOSE = process.env.BROWSER_VERBOSE === '1';

let browser = null;
let current = null; // the running test's context object

export function launchBrowser() {
	if (!fs.existsSync(CHROMIUM))
		throw new Error(`no Chromium at ${CHROMIUM} (apt-get install -y chromium); ` +
			'the tests never download a browser');
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--disable-quic'],
	});
}

function slugify(s) {
	return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
		.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function indent(s, pad = '    ') {
	return String(s).split('\n').map((l) => pad + l).join('\n');
}

class AssertionError extends Error {}

export function assert(cond, message) {
	if (!cond) throw new AssertionError(message);
}

/** Waits until the locator is visible; the error says what was expected. */
export async function expectVisible(locator, what, timeout) {
	try {
		await locator.first().waitFor({ state: 'visible', timeout });
	} catch (e) {
		throw new AssertionError(`expected to see ${what}, but it did not appear` +
			` (${e.message.split('\n')[0]})`);
	}
}

/** Waits until the page URL matches re: a string, a RegExp or a function of a URL. */
export async function expectURL(page, re, what, timeout = 15000) {
	try {
		await page.waitForURL(re, { timeout });
	} catch {
		throw new AssertionError(`expected to be on ${what || re} but the page is ${page.url()}`);
	}
}

function describeNode(n) {
	const target = n.target.map((t) => (Array.isArray(t) ? t.join(' >>> ') : t)).join(' | ');
	const html = n.html.length > 160 ? n.html.slice(0, 157) + '...' : n.html;
	return `${target}   ${html}`;
}

/**
 * Runs axe-core on the page. Violations with impact "serious" or
 * "critical" fail the test (recorded, the journey goes on); lesser ones
 * are printed as notes. Outside a test it throws instead.
 */
export async function checkA11y(page, label) {
	const results = await new AxeBuilder({ page }).analyze();
	const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	const minor = results.violations.filter((v) => !bad.includes(v));
	for (const v of minor)
		current?.note(`axe [${label}] ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} node(s): ` +
			`${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
	if (!bad.length) return results;
	const lines = [`axe on "${label}" (${page.url()}): ${bad.length} serious/critical violation(s)`];
	for (const v of bad) {
		lines.push(`  [${v.impact}] ${v.id}: ${v.help}  <${v.helpUrl}>`);
		// The same problem on the same elements was detailed already.
		const key = v.id + ' ' + v.nodes.map((n) => n.target.join(' ')).join(',');
		const seen = current?.seenA11y.get(key);
		if (seen) {
			lines.push(`      the same ${v.nodes.length} node(s) as on "${seen}" above`);
			continue;
		}
		current?.seenA11y.set(key, label);
		for (const n of v.nodes.slice(0, 8)) {
			lines.push(`      ${describeNode(n)}`);
			if (n.failureSummary)
				lines.push(indent(n.failureSummary.replace(/\n\s*/g, ' / '), '        '));
		}
		if (v.nodes.length > 8) lines.push(`      ... and ${v.nodes.length - 8} more`);
	}
	if (!current) throw new AssertionError(lines.join('\n'));
	current.fail(lines.join('\n'));
	return results;
}

class TestRun {
	constructor(index, name) {
		this.index = index;
		this.name = name;
		this.dir = path.join(ARTIFACTS,
			`${String(index).padStart(2, '0')}-${slugify(name).slice(0, 40).replace(/-[^-]*$/, '')}`);
		this.failures = [];
		this.notes = [];
		this.contexts = [];
		this.pages = [];
		this.shots = 0;
		this.currentStep = null;
		this.seenA11y = new Map();
	}

	fail(message) {
		this.failures.push(this.currentStep ? `[${this.currentStep}] ${message}` : message);
	}

	note(message) {
		if (!this.notes.includes(message)) this.notes.push(message);
	}

	async context(opts = {}) {
		const ctx = await browser.newContext({ locale: 'es-ES', ...DESKTOP, ...opts });
		ctx.setDefaultTimeout(10000);
		ctx.setDefaultNavigationTimeout(15000);
		ctx.on('page', (p) => this.watch(p));
		this.contexts.push(ctx);
		return ctx;
	}

	async page(opts = {}) {
		const ctx = await this.context(opts);
		return ctx.newPage();
	}

	watch(page) {
		this.pages.push(page);
		page.on('pageerror', (e) => this.fail(`JavaScript error on ${page.url()}: ${e.message}`));
		page.on('console', (m) => {
			// Failed loads are reported below, with their URL.
			if (m.type() === 'error' && !m.text().startsWith('Failed to load resource'))
				this.note(`console error on ${page.url()}: ${m.text()}`);
		});
		page.on('response', (r) => {
			if (r.status() >= 500)
				this.fail(`server answered ${r.status()} to ${r.request().method()} ${r.url()}`);
			else if (r.status() >= 400 && r.request().resourceType() !== 'document')
				this.note(`${r.status()} for ${r.request().resourceType()} ${r.url()} on ${page.url()}`);
		});
		// data-confirm forms ask with window.confirm: a user would accept.
		page.on('dialog', (d) => d.accept().catch(() => {}));
	}

	async step(name, fn) {
		const outer = this.currentStep;
		this.currentStep = outer ? `${outer} › ${name}` : name;
		const t0 = Date.now();
		try {
			return await fn();
		} catch (e) {
			if (!e.step) e.step = this.currentStep;
			throw e;
		} finally {
			if (VERBOSE) console.log(`    ${this.currentStep}: ${Date.now() - t0} ms`);
			this.currentStep = outer;
		}
	}

	async shot(page, name) {
		fs.mkdirSync(this.dir, { recursive: true });
		const file = path.join(this.dir, `${String(++this.shots).padStart(2, '0')}-${slugify(name)}.png`);
		try {
			await page.screenshot({ path: file, fullPage: true, timeout: 10000 });
		} catch (e) {
			this.note(`screenshot ${name} failed: ${e.message.split('\n')[0]}`);
		}
		return file;
	}

	async close() {
		for (const c of this.contexts) await c.close().catch(() => {});
	}
}

const tests = [];

/** Registers a named test; tests run in the order they are registered. */
export function test(name, fn) {
	tests.push({ name, fn });
}

/** Runs every registered test; prints results; resolves {passed, failed}. */
export async function runAll({ before, after } = {}) {
	const t0 = Date.now();
	let passed = 0, failed = 0;
	fs.rmSync(ARTIFACTS, { recursive: true, force: true });
	fs.mkdirSync(ARTIFACTS, { recursive: true });
	try {
		browser = await launchBrowser();
		if (before) await before();
	} catch (e) {
		console.log(`browser: setup failed: ${e.stack || e}`);
		if (browser) await browser.close().catch(() => {});
		if (after) await after().catch(() => {});
		console.log(`browser: 0 passed, ${tests.length || 1} failed`);
		return { passed: 0, failed: tests.length || 1 };
	}
	for (let i = 0; i < tests.length; i++) {
		const { name, fn } = tests[i];
		const run = new TestRun(i + 1, name);
		current = run;
		const start = Date.now();
		let timer;
		try {
			await Promise.race([
				fn(run),
				new Promise((_, reject) => {
					timer = setTimeout(() => reject(new Error(`timed out after ${TEST_TIMEOUT_MS / 1000} s`)),
						TEST_TIMEOUT_MS);
				}),
			]);
		} catch (e) {
			const where = e.step ? `[${e.step}] ` : '';
			const msg = e instanceof AssertionError ? e.message
				: (e.stack || String(e)).split('\n').slice(0, 12).join('\n');
			run.failures.push(where + msg);
		} finally {
			clearTimeout(timer);
		}
		if (run.failures.length) {
			// The state of every open page at the end of a failed test.
			// (axe opens and closes blank pages of its own: not those.)
			const open = run.pages.filter((p) => !p.isClosed() && p.url() !== 'about:blank');
			for (let k = 0; k < open.length; k++)
				await run.shot(open[k], `at the end, page ${k + 1} of ${open.length}`);
		}
		await run.close();
		current = null;
		const secs = ((Date.now() - start) / 1000).toFixed(1);
		if (run.failures.length) {
			failed++;
			console.log(`FAIL ${run.index} ${name} (${secs} s)`);
			for (const f of run.failures) console.log('  - ' + indent(f, '    ').trimStart());
		} else {
			passed++;
			console.log(`ok   ${run.index} ${name} (${secs} s)`);
		}
		for (const n of run.notes) console.log(`  note: ${n}`);
		console.log(`  screenshots: ${path.relative(process.cwd(), run.dir)}/`);
	}
	await browser.close().catch(() => {});
	if (after) await after().catch((e) => console.log(`browser: cleanup failed: ${e}`));
	console.log(`browser tests took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
	console.log(`browser: ${passed} passed, ${failed} failed`);
	return { passed, failed };
}
