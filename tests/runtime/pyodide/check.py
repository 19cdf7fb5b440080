# Run inside Pyodide by runner.mjs: the runtime's pure tests and the async API on Python 3.14 / wasm.
# Pyodide has no pytest (nothing can be installed offline), so a small stand-in runs the test functions.
import contextlib
import inspect
import re
import sys
import types

sys.path[:0] = ["/work", "/work/tests"]


class _Mark:
    def parametrize(self, names, values):
        def mark(f):
            f.params = values
            return f

        return mark


class _Raises:
    def __init__(self, exc, match=None):
        self.exc, self.match = exc, match

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        assert kind is not None and issubclass(kind, self.exc), f"expected {self.exc.__name__}, got {kind}"
        assert self.match is None or re.search(self.match, str(value)), (self.match, str(value))
        return True


sys.modules["pytest"] = types.SimpleNamespace(mark=_Mark(), raises=_Raises, fixture=lambda f=None, **_: f)

from slm_web.tasks.base import Model  # noqa: E402


def _drive(coroutine):
    """Run a coroutine whose only suspensions are ``asyncio.sleep(0)`` (the fake LM without delay)."""
    while True:
        try:
            coroutine.send(None)
        except StopIteration as done:
            return done.value


# *_sync cannot block in the browser (they raise); the pure tests use them with the non-suspending fake LM.
real_correct_sync = Model.correct_sync
for _name in ("classify", "complete", "correct"):
    setattr(Model, f"{_name}_sync", lambda self, *a, _n=_name, **k: _drive(getattr(self, _n)(*a, **k)))

NEEDS_A_RUNNING_LOOP = {"test_a_newer_request_cancels_the_older_one"}  # covered by the CPython run
failures, ran = [], 0
for module_name in ("test_gector_tags", "test_autocomplete_decoding", "test_text_input"):
    module = __import__(module_name)
    for name, test in vars(module).items():
        if not name.startswith("test_") or not inspect.isfunction(test) or name in NEEDS_A_RUNNING_LOOP:
            continue
        wants_deadline = "deadline" in inspect.signature(test).parameters
        extra = {"deadline": lambda seconds: contextlib.nullcontext()} if wants_deadline else {}
        for args in getattr(test, "params", [()]):
            try:
                test(*(args if isinstance(args, tuple) else (args,)), **extra)
                ran += 1
            except Exception as e:  # report every failure, not only the first
                failures.append(f"{name}{args!r}: {type(e).__name__}: {e}")

# The async API end to end: real bundles and the pure-Python tokenizer, a scripted engine.
from runtime_fakes import ScriptedEncoder, make_model  # noqa: E402

import slm_web  # noqa: E402

grammar = await slm_web.load("/work/grammar.slm", backend=ScriptedEncoder())  # noqa: F704
fixed = await grammar.correct("she go to school yesterday. Their is two cat!")  # noqa: F704
sentiment = await slm_web.load("/work/sentiment.slm", backend=ScriptedEncoder())  # noqa: F704
label = (await sentiment.classify("nice")).label  # noqa: F704
suggestions = await make_model(delay=0.001).complete("I would li", k=2)  # noqa: F704
# A shared bundle: both heads over one session; the second task's call on the same sentence is a memo hit.
heads = await slm_web.load_all("/work/shared.slm", backend=ScriptedEncoder())  # noqa: F704
await heads["grammar"].correct("she go to school")  # noqa: F704
shared_label = (await heads["sentiment"].classify("she go to school")).label  # noqa: F704
memo_hit = sorted(heads) == ["grammar", "sentiment"] and heads["sentiment"].session.shared.hits == 1
try:
    real_correct_sync(grammar, "text")
except slm_web.SLMError as e:
    blocked = "await" in str(e)
else:
    blocked = False
texts = [s.text for s in suggestions]
ok = not failures and fixed.edits and label and texts == ["like", "little"] and blocked
ok = ok and shared_label and memo_hit
"\n".join([f"python {sys.version.split()[0]} {sys.platform}: ran {ran}", *failures, "ok" if ok else "FAILED"])
