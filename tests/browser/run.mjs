// Oficio browser tests: Debian's Chromium (never a downloaded one) driven
// by playwright-core, pages checked with axe-core.
//
//   node tests/browser/run.mjs        (from the repository root; make test)
//
// Env: BUILD (default "build": the server is $BUILD/oficio), CHROMIUM
// (default /usr/bin/chromium). Ends with "browser: N passed, M failed";
// exits non-zero when a test failed. Screenshots: tests/browser/artifacts/.
import { Server } from './lib/server.mjs';
import { runAll, test } from './lib/harness.mjs';
import { foundation, TITLE } from './journeys/foundation.mjs';
import { firstAdmin } from './journeys/setup.mjs';
import { headerSearch } from './journeys/search.mjs';
import { lifecycle } from './journeys/lifecycle.mjs';
import { handover, onboarding } from './journeys/onboarding.mjs';
import { attachments } from './journeys/attachments.mjs';
import { checklist } from './journeys/checklist.mjs';

// The server most journeys share, with its users made by the CLI.
const shared = {
	srv: null,
	editor: { username: 'marta', role: 'editor', name: 'Marta Ruiz' },
	staff: { username: 'luis', role: 'staff', name: 'Luis Ortega' },
	foundTitle: TITLE,
};

test('foundation: log in, write a procedure, edit, history, diff, log out (es, phone + desktop)',
	(t) => foundation(t, shared));
test('first-admin setup from the link the server prints', (t) => firstAdmin(t));
test('search from the header box', (t) => headerSearch(t, shared));
test('checklist: staff tick a procedure\'s steps on a phone, kept in their browser only (es)',
	(t) => checklist(t, shared));
test('lifecycle: a lesson challenges its procedure, a manager approves it and updates the procedure (es)',
	(t) => lifecycle(t));
test('onboarding: a new hire finds her path on the home page and reads it to 100 % (phone)',
	(t) => onboarding(t));
test('handover: a manager hands a leaver\'s pages over, then the reports',
	(t) => handover(t));
test('attachments: drop an image on the editor, a refused file, the image in the page (es)',
	(t) => attachments(t, shared));

async function before() {
	shared.srv = new Server();
	for (const u of [shared.editor, shared.staff])
		await shared.srv.addUser(u.username, u.role, u.name);
	await shared.srv.start();
}

async function after() {
	if (shared.srv) await shared.srv.stop();
}

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
	process.on(sig, async () => {
		if (stopping) return;
		stopping = true;
		await Server.stopAll().catch(() => {});
		process.exit(130);
	});
}

const { passed, failed } = await runAll({ before, after });
process.exitCode = failed || !passed ? 1 : 0;
