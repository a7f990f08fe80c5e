"""Run every tests/http/test_*.py module: each gets its own server (module
function `make_server()` may customise it) and runs its test_* functions in
file order. Prints one line per test and ends with "http: N passed, M failed".
"""
import importlib.util
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402


def main():
    only = sys.argv[1:]
    passed = failed = 0
    t0 = time.time()
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        if only and not any(o in name for o in only):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        srv = None
        try:
            srv = mod.make_server() if hasattr(mod, "make_server") else harness.Server()
            if hasattr(mod, "setup"):
                mod.setup(srv)
            if srv.proc is None:
                srv.start()
        except Exception:
            print("FAIL %s: setup\n%s" % (name, traceback.format_exc()))
            failed += 1
            if srv:
                print(srv.read_log()[-3000:])
                srv.cleanup()
            continue
        tests = [(n, f) for n, f in vars(mod).items() if n.startswith("test_") and callable(f)]
        tests.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
        for tname, fn in tests:
            t1 = time.time()
            try:
                fn(srv)
                passed += 1
                print("  ok   %s.%s (%.2fs)" % (name[:-3], tname, time.time() - t1))
            except Exception:
                failed += 1
                print("  FAIL %s.%s\n%s" % (name[:-3], tname, traceback.format_exc()))
                if srv.proc is not None and srv.proc.poll() is not None:
                    print("server died:\n" + srv.read_log()[-3000:])
                    break
        if srv.proc is not None and srv.proc.poll() is not None and srv.proc.returncode not in (0, None):
            print("server exited with %s:\n%s" % (srv.proc.returncode, srv.read_log()[-3000:]))
        elif srv.proc is not None:
            # Stopped as the admin would (SIGTERM): a clean exit is 0. The
            # sanitizer build reports leaks and late errors only then.
            rc = srv.stop()
            if rc != 0:
                failed += 1
                print("  FAIL %s: the server exited with %s when stopped\n%s"
                      % (name[:-3], rc, srv.read_log()[-3000:]))
        srv.cleanup()
    print("http tests took %.1f s" % (time.time() - t0))
    print("http: %d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
