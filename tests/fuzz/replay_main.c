/*
 * replay_main.c - run a libFuzzer target without libFuzzer.
 *
 *   replay FILE|DIR...
 *
 * Feeds every file named on the command line, and every file directly in
 * every directory named (sorted, dotfiles and subdirectories skipped), to
 * LLVMFuzzerTestOneInput once. This is how `make test` replays the saved
 * crashers and seed corpora with the ordinary compiler and sanitizers: a
 * target that crashes takes the process down with it, so exit status 0
 * means every input ran clean. Prints "replay: input PATH (N bytes)" before
 * each input and "replay: N inputs" at the end.
 *
 * Each input is copied into a buffer of exactly its size, as libFuzzer
 * does, so that AddressSanitizer catches a read one byte past the end.
 * Caveat: inputs are our own files, but they are still capped
 * (REPLAY_MAX_INPUT) before anything is allocated.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX_INPUT ((size_t)64 * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as in libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static size_t ninputs;

/* Read one file and run it; -1 if it could not be read. */
static int run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	uint8_t *data = NULL;
	size_t size;
	int rc = -1;

	if (!fp || fstat(fileno(fp), &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if ((uintmax_t)st.st_size > REPLAY_MAX_INPUT) {
		fprintf(stderr, "replay: %s: larger than %zu bytes\n", path, REPLAY_MAX_INPUT);
		goto out;
	}
	size = (size_t)st.st_size;
	data = malloc(size ? size : 1);
	if (!data) {
		fprintf(stderr, "replay: out of memory\n");
		goto out;
	}
	if (fread(data, 1, size, fp) != size) {
		fprintf(stderr, "replay: %s: short read\n", path);
		goto out;
	}
	/* Named first, so that a log ending in a sanitizer report says which
	 * input it was (run.sh shows the last such line). */
	printf("replay: input %s (%zu bytes)\n", path, size);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, size);
	ninputs++;
	rc = 0;
out:
	free(data);
	if (fp)
		fclose(fp);
	return rc;
}

/* Run a file, or every regular file directly inside a directory. */
static int run_path(const char *path)
{
	struct dirent **ents = NULL;
	struct stat st;
	int n = 0, rc = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	n = scandir(path, &ents, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(ents[i]->d_name) + 2;
		char *full = malloc(len);

		if (!full) {
			fprintf(stderr, "replay: out of memory\n");
			rc = -1;
			break;
		}
		snprintf(full, len, "%s/%s", path, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    run_file(full) < 0)
			rc = -1;
		free(full);
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]) < 0)
			rc = 1;
	printf("replay: %zu inputs\n", ninputs);
	return rc;
}
