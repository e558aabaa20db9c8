"""The debugger's side of `call`: the checks Delve makes before injecting (in its
order, with its words), the call plan, the one in-flight injection, and what the
continue loop asks when a thread traps.
"""

from __future__ import annotations

import logging

from ...binary.dwarf_funcs import SignatureReader
from ...binary.gobinary import GoBinary
from ...errors import UserError, error_text, internal_error_text
from ...goruntime.model import Goroutine
from ...goruntime.rtype import RuntimeTypes
from ...goruntime.values import Value
from ..eval.parser import ParseError
from ..inferior import Inferior
from .calls import CallFailed
from .injection import CallOutcome, CallPlan, Injection, Protocol, is_protocol_frame
from .session import CallSession, Done, Inject, Request

log = logging.getLogger("pydlv.fncall")

MIN_STACK_FREE = 256  # asm_amd64.s: "at least 256 bytes free on the stack"
G_RUNNING = 2


class CallError(UserError):
    """A refused `call`, with the text Delve (or the Go runtime) gives."""


class CallController:
    def __init__(self, binary: GoBinary, proc: Inferior) -> None:
        self.binary = binary
        self.proc = proc
        self.signatures = SignatureReader(binary.dwarf_types)
        self.rtypes = RuntimeTypes(binary.dwarf_types, proc.read_memory,
                                   binary.symbol_address("runtime.firstmoduledata"))
        self.active: Injection | None = None
        self.finished: Injection | None = None  # the last completed injection
        # The `call` being evaluated (fncall/session.py), the thread it injects on, its end.
        self.session: CallSession | None = None
        self._tid = 0
        self._gid = 0
        self._stack_lo = 0
        self.done: Done | None = None
        self.result_values: list[Value] | None = []  # ReturnValues of the last `call` (None: failed)

    # ---- checks and planning ------------------------------------------------

    def protocol(self) -> tuple[Protocol, int]:
        for proto in (Protocol.V2, Protocol.V1):
            fn = self.binary.function_named(proto.value)
            if fn is not None:
                return proto, fn.entry
        raise CallError("function calls not supported by this version of Go")

    def check_goroutine(self, g: Goroutine | None) -> Goroutine:
        """The goroutine a call may run on, or Delve's refusal."""
        if g is None or not g.thread_id or g.status != G_RUNNING:
            raise CallError("selected goroutine not running")
        if self.active is not None:
            raise CallError("cannot call function while another function call is already in progress")
        return g

    def start(self, session: CallSession, g: Goroutine) -> bool:
        """Run `session` (an evaluation on its worker thread) until its first injection has
        begun (True: the caller continues the target) or it ended without one (False)."""
        self.protocol()
        self.finished, self.done, self.result_values = None, None, []
        self.session = session
        self._tid, self._gid, self._stack_lo = g.thread_id, g.id, g.stack_lo
        return self._advance(session.start())

    def _advance(self, req: Request) -> bool:
        """Begin the injection the evaluation asks for, or record its end."""
        assert self.session is not None
        while isinstance(req, Inject):
            try:
                inj = self._injection(req.plan)
            except CallError as e:
                req = self.session.resume(CallOutcome(refusal=str(e)))
                continue
            inj.start()
            self.active = inj
            return True
        self.session = None
        self.done = req
        if req.error is not None and not _user_facing(req.error):
            # A bug in the evaluation (on the session's worker): its traceback to the log now,
            # the client gets one line (error()), never the exception's bare text.
            log.error("internal error evaluating a call", exc_info=req.error)
        if req.error is None and isinstance(req.result, list):
            self.result_values = req.result
        return False

    def _injection(self, plan: CallPlan) -> Injection:
        proto, entry_pc = self.protocol()
        regs = self.proc.regs(self._tid)
        if self._stack_lo and regs.rsp - self._stack_lo < MIN_STACK_FREE:
            raise CallError("not enough stack space")
        return Injection(self.proc, self._tid, self._gid, plan, proto, entry_pc)

    def abandon(self) -> None:
        """The target is gone: let the evaluation's worker thread end."""
        if self.session is not None:
            self.session.cancel()
        self.session, self.active = None, None

    # ---- running ------------------------------------------------------------

    def is_protocol_trap(self, tid: int) -> bool:
        if self.active is None:
            return False
        pc = self.proc.regs(tid).rip
        fn = self.binary.function_at(pc - 1)
        return fn is not None and is_protocol_frame(fn.name)

    def on_trap(self, tid: int) -> Injection | None:
        """Advance the in-flight injection; the injection once it is over."""
        inj = self.active
        assert inj is not None
        if not inj.on_trap(tid):
            return None
        self.active = None
        self.finished = inj
        self._tid = inj.final_tid  # the goroutine may have moved to another thread
        assert self.session is not None
        if self._advance(self.session.resume(inj.outcome)):
            return None
        return inj

    def forget_result(self) -> None:
        self.finished, self.done, self.result_values = None, None, []

    def error(self) -> str:
        """Why the last `call` failed ("" if it did not)."""
        if self.done is None or self.done.error is None:
            return ""
        e = self.done.error
        return error_text(e) if _user_facing(e) else internal_error_text(e)

    def error_resumed(self) -> bool:
        """Delve would have resumed the target before meeting the last `call`'s error."""
        return self.done is not None and isinstance(self.done.error, CallFailed) and self.done.error.resumed

    def error_compiled(self) -> bool:
        """The last `call`'s error came after its expression parsed (Delve's compile): Delve
        marks the thread CallReturn for those."""
        return bool(self.done is not None and self.done.error is not None
                    and not isinstance(self.done.error, ParseError))


def _user_facing(e: BaseException) -> bool:
    """An error of the evaluation whose text a user should see (Delve's words, a refusal, a
    failed read of target memory), not a bug."""
    return isinstance(e, (UserError, CallFailed, OSError))
