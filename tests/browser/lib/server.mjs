// One oficio process on a free loopback port with its own database in a
// temporary folder, like tests/http/harness.py but for the browser tests.
//
//   const srv = new Server();
//   await srv.addUser('marta', 'editor', 'Marta Ruiz');
//   await srv.start();          // resolves once the port accepts connections
//   srv.url('/login');
//   await srv.stop();           // SIGTERM, then the temporary folder is removed
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BUILD = process.env.BUILD || 'build';
export const BINARY = path.resolve(ROOT, BUILD, 'oficio');
export const PASSWORD = 'contraseña-segura-1';

/** A loopback port nobody listens on right now. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.unref();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const { port } = s.address();
			s.close(() => resolve(port));
		});
	});
}

function canConnect(port) {
	return new Promise((resolve) => {
		const c = net.connect({ host: '127.0.0.1', port });
		c.setTimeout(300);
		c.once('connect', () => { c.destroy(); resolve(true); });
		c.once('timeout', () => { c.destroy(); resolve(false); });
		c.once('error', () => resolve(false));
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const live = new Set(); // servers not stopped yet

// Last resort if the runner dies without stopping a server.
process.on('exit', () => {
	for (const s of live) {
		if (s.proc && !s.exited) s.proc.kill('SIGKILL');
		fs.rmSync(s.dir, { recursive: true, force: true });
	}
});

export class Server {
	constructor({ args = [], env = {} } = {}) {
		this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oficio-browser-'));
		this.db = path.join(this.dir, 'oficio.db');
		this.args = args;
		this.env = { ...process.env, OFICIO_WEAK_HASH: '1', ...env };
		this.port = 0;
		this.proc = null;
		this.output = '';   // stdout and stderr of the server, as it comes
		this.exited = null; // {code, signal} once the process is gone
		live.add(this);
	}

	/** Stops every server still running (on SIGINT, say). */
	static stopAll() {
		return Promise.all([...live].map((s) => s.stop()));
	}

	get origin() { return `http://127.0.0.1:${this.port}`; }

	url(p = '/') { return this.origin + p; }

	/** `oficio ARGS --db DB`, stdin given; resolves {code, stdout, stderr}. */
	cli(args, stdin = '') {
		if (!fs.existsSync(BINARY))
			return Promise.reject(new Error(`no server binary at ${BINARY}: run make first`));
		return new Promise((resolve, reject) => {
			const p = spawn(BINARY, [...args, '--db', this.db], {
				cwd: ROOT, env: this.env, stdio: ['pipe', 'pipe', 'pipe'],
			});
			let stdout = '', stderr = '';
			p.stdout.on('data', (d) => { stdout += d; });
			p.stderr.on('data', (d) => { stderr += d; });
			p.on('error', reject);
			p.on('close', (code) => {
				if (code !== 0)
					reject(new Error(`oficio ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
				else
					resolve({ code, stdout, stderr });
			});
			p.stdin.end(stdin);
		});
	}

	addUser(name, role, fullName, password = PASSWORD) {
		const args = ['user', 'add', name, '--role', role];
		if (fullName) args.push('--name', fullName);
		args.push('--password-stdin');
		return this.cli(args, password + '\n');
	}

	async start(timeoutMs = 15000) {
		if (!fs.existsSync(BINARY))
			throw new Error(`no server binary at ${BINARY}: run make first`);
		this.port = await freePort();
		this.proc = spawn(BINARY, ['serve', '--db', this.db, '--listen', `127.0.0.1:${this.port}`,
			'--threads', '2', ...this.args], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
		this.proc.stdout.on('data', (d) => { this.output += d; });
		this.proc.stderr.on('data', (d) => { this.output += d; });
		this.proc.on('exit', (code, signal) => { this.exited = { code, signal }; });
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (this.exited)
				throw new Error(`server exited (${this.exited.code ?? this.exited.signal}):\n${this.output}`);
			if (await canConnect(this.port)) return this;
			await sleep(50);
		}
		throw new Error(`server did not listen on port ${this.port} within ${timeoutMs} ms:\n${this.output}`);
	}

	/** Wait until the server's output matches re; resolves the match. */
	async waitForOutput(re, timeoutMs = 10000) {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const m = this.output.match(re);
			if (m) return m;
			if (this.exited || Date.now() > deadline)
				throw new Error(`server output never matched ${re}:\n${this.output}`);
			await sleep(50);
		}
	}

	/** SIGTERM and wait (SIGKILL after 10 s); then remove the folder. */
	async stop() {
		const p = this.proc;
		if (p && !this.exited) {
			const gone = new Promise((r) => p.once('exit', r));
			p.kill('SIGTERM');
			const t = setTimeout(() => { if (!this.exited) p.kill('SIGKILL'); }, 10000);
			await gone;
			clearTimeout(t);
		}
		fs.rmSync(this.dir, { recursive: true, force: true });
		live.delete(this);
		return this.exited;
	}
}
