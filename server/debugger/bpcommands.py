"""The user's breakpoints as the engine manages them (Delve's CreateBreakpoint, AmendBreakpoint,
ClearBreakpoint, ToggleBreakpoint, FindLocation), over the target group's one BreakpointSet.

A mixin of Engine (engine.py), which owns the targets and the selection: breakpoints resolve in
every live process of the group whose binary has the location (follow-exec), are described from
their addresses, found again when code is loaded (plugins, a followed child) or after a Restart.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from ..binary.funcnames import name_without_type_params
from ..errors import UserError
from ..goruntime.values import LoadCfg
from .breakpoints import BreakpointError, check_name, parse_hit_cond
from .errors import DebuggerError
from .model import Breakpoint, BreakpointOrigin, BreakpointRequest
from .stacks import scope_frame
from .target import Selection, Target

if TYPE_CHECKING:
    from .locspec import FindResult, FindScope

log = logging.getLogger("pydlv.debugger")

# Delve's LoadConfig{FollowPointers: true} for a location's `*EXPR`.
_ADDR_CFG = LoadCfg(follow_pointers=True, max_variable_recurse=0, max_string_len=0, max_array_values=0,
                    max_struct_fields=0)


class BreakpointCommands:
    """Breakpoint management of the Engine (its `t`, `sel` and target group)."""

    t: Target
    sel: Selection

    def _target_of(self, pid: int) -> Target | None:
        raise NotImplementedError  # Engine's

    def _live_targets(self) -> list[Target]:
        raise NotImplementedError  # Engine's

    def _add_internal(self, t: Target, bp_id: int, name: str, addrs: list[int], variables: list[str]) -> None:
        try:
            existing = t.breakpoints.by_id.get(bp_id)
            if existing is not None:  # set in another process of the group: here too
                t.breakpoints.extend(existing, addrs, t.pid)
                return
            bp = Breakpoint(id=bp_id, name=name, addrs=addrs, addr_pids=[t.pid] * len(addrs), variables=variables)
            self._describe(bp)
            t.breakpoints.add(bp)
        except BreakpointError as e:
            log.warning("internal breakpoint %s not set: %s", name, e)

    def _describe(self, bp: Breakpoint) -> None:
        """Fill file/line/function of a breakpoint from its addresses."""
        if not bp.addrs:
            bp.file, bp.line, bp.function_name = "", 0, ""
            return
        pids = bp.addr_pids if len(bp.addr_pids) == len(bp.addrs) else [self.t.pid] * len(bp.addrs)
        locs = [(self._target_of(pid) or self.t).location(a) for pid, a in zip(pids, bp.addrs, strict=True)]
        # The instantiations of a generic function are one function (Delve strips [go.shape...]).
        names = {name_without_type_params(loc.function.name) if loc.function else "" for loc in locs}
        if len(locs) > 1 and len({(loc.file, loc.line) for loc in locs}) > 1:
            bp.file, bp.line = "<multiple locations>", 0
        else:
            bp.file, bp.line = locs[0].file, locs[0].line
        bp.function_name = "(multiple functions)" if len(names) > 1 else names.pop()

    def _resolve_request(self, req: BreakpointRequest, t: Target | None = None) -> list[int]:
        t = t or self.t
        bp, binary = req.bp, t.binary
        if bp.trace_return:
            # Delve: a trace-return breakpoint is set at the address the caller gives (the
            # terminal's `trace` sends each return address), whatever else is named
            return [req.addr]
        if bp.file and bp.line:
            full = binary.resolve_file(bp.file)
            # every function holding the line (generic instantiations, inlined copies), as Delve
            return binary.line_pcs(full, bp.line)
        if bp.function_name:
            # Delve's FindFunctionLocation: the exact (or generic) name, every instantiation;
            # Line <= 0 (Delve's tests send -1) is the function itself, N > 0 counts from its line.
            return binary.function_pcs(bp.function_name, bp.line)
        if req.addrs:
            return list(req.addrs)
        if req.addr:
            return [req.addr]
        if req.loc_expr:
            # Delve's setbp.Expr: found without a scope (relative specs and expressions give
            # nothing); exactly one location gives its pcs, anything else none.
            from .locspec import parse_locspec

            try:
                res = t.resolver.find(req.loc_expr, parse_locspec(req.loc_expr), None,
                                      substitute_rules=req.substitute_rules, process_args=t.argv[:1])
            except UserError:
                return []
            return list(res.locations[0].pcs) if len(res.locations) == 1 else []
        return []

    @staticmethod
    def _check_conditions(bp: Breakpoint) -> None:
        """Delve's ChangeBreakpointCondition: the condition parses (and is kept as go/printer
        prints it: `i % 1000 == 0` is `i%1000 == 0`), the hit condition too (`>3` is `> 3`). On a
        syntax error the condition keeps what go/parser made of it (`(BadExpr)`)."""
        if bp.cond:
            from .eval import ParseError, parse_expr
            from .eval.printer import expr_string

            try:
                bp.cond = expr_string(parse_expr(bp.cond))
            except ParseError as e:
                bp.cond = expr_string(e.partial) if e.partial is not None else ""
                raise
        text, bp.hit_cond = bp.hit_cond, ""  # none, as in Delve, if it does not parse
        rule = parse_hit_cond(text)
        bp.hit_cond = str(rule) if rule is not None else ""

    def create_breakpoint(self, req: BreakpointRequest) -> Breakpoint:
        """Delve's CreateBreakpoint, in its order: the checks that come before an id is taken,
        then the id, then the conditions (a bad one leaves the logical breakpoint behind,
        disabled, as Delve does), then the location (a failure still uses up the id)."""
        bp = req.bp
        check_name(bp.name)
        self.t.breakpoints.check_new(bp)
        if req.loc_expr:
            from .locspec import parse_locspec

            parse_locspec(req.loc_expr)
        bp.origin = BreakpointOrigin(bp.file, bp.line, bp.function_name, req.loc_expr, tuple(req.substitute_rules))
        bp.id = self.t.breakpoints.allocate_id(bp.id)
        bp.loc_expr = req.loc_expr
        bp.hit_count, bp.total_hit_count = {}, 0
        try:
            self._check_conditions(bp)
        except UserError:
            self.t.breakpoints.add(replace(bp, addrs=[], file="", line=0, function_name="", disabled=True))
            raise
        if self.t.exited:
            # Delve keeps it for the next Restart, which finds its location (restore_breakpoints).
            self.t.breakpoints.add(bp)
            return bp
        try:
            addrs, pids = self._resolve_everywhere(req)
            if not addrs and not req.loc_expr:
                raise DebuggerError(f"breakpoint {bp.id} can not be enabled")
        except UserError:
            if not req.suspended:
                raise
            # Delve keeps a suspended breakpoint without a location, enabled: it is found when
            # new code is loaded (a plugin, a followed child) or when it is enabled again
            addrs, pids = [], []
        bp.addrs, bp.addr_pids = addrs, pids
        if not addrs:
            bp.disabled = False
        self._describe(bp)
        self.t.breakpoints.add(bp)
        self.t.breakpoints.update_satisfiable(bp)
        return bp

    def _resolve_everywhere(self, req: BreakpointRequest) -> tuple[list[int], list[int]]:
        """Delve's SetBreakpoint on a target group: (addresses, their pids) in every process whose
        binary has the location (by address: the current one only); when none has it, the
        current process's error."""
        others = [] if req.addr or req.addrs else [t for t in self._live_targets() if t is not self.t]
        addrs: list[int] = []
        pids: list[int] = []
        first_error: UserError | None = None
        for t in [self.t, *others]:
            try:
                found = self._resolve_request(req, t)
            except UserError as e:
                first_error = first_error or e
                continue
            addrs += found
            pids += [t.pid] * len(found)
        if not addrs and first_error is not None:
            raise first_error
        return addrs, pids

    def _origin_request(self, bp: Breakpoint) -> BreakpointRequest:
        """What the user asked for (Delve's lbp.Set), to find a breakpoint's location again."""
        o = bp.origin
        return BreakpointRequest(replace(bp, addrs=[], file=o.file, line=o.line, function_name=o.function_name),
                                 loc_expr=o.loc_expr, substitute_rules=list(o.substitute_rules))

    def _find_again(self, bp: Breakpoint) -> None:
        """Delve's enableBreakpointOnTarget for a breakpoint without addresses (suspended, or
        a LocExpr that found nothing): its location looked up again; errors as Delve's."""
        o = bp.origin
        addrs, pids = self._resolve_everywhere(self._origin_request(bp))
        if not addrs:
            if not o.loc_expr:
                raise DebuggerError(f"breakpoint {bp.id} can not be enabled")
            return
        self.t.breakpoints.relocate(bp, addrs, pids)
        self._describe(bp)

    def materialize_suspended(self) -> list[Breakpoint]:
        """Delve's pluginOpenCallback: every enabled user breakpoint without addresses whose
        location can be found now gets it (and is armed); the others stay as they are."""
        found = []
        for bp in self.t.breakpoints.ordered():
            if bp.internal or bp.addrs or bp.disabled:
                continue
            try:
                self._find_again(bp)
            except UserError:
                continue
            if bp.addrs:
                found.append(bp)
        return found

    def restore_breakpoints(self, old: list[Breakpoint], next_id: int) -> list[tuple[Breakpoint, str]]:
        """Delve's proc.Restart: the user's breakpoints of the previous process, found again here
        (conditions, names, hit conditions kept; hit counts reset); those that no longer resolve
        are discarded and returned with the reason."""
        discarded: list[tuple[Breakpoint, str]] = []
        for bp in old:
            if bp.internal:
                continue
            o = bp.origin
            fresh = replace(bp, addrs=[], hit_count={}, total_hit_count=0, unsatisfiable=False,
                            file=o.file, line=o.line, function_name=o.function_name)
            try:
                addrs = self._resolve_request(BreakpointRequest(fresh, loc_expr=o.loc_expr,
                                                                substitute_rules=list(o.substitute_rules)))
                if not addrs and not o.loc_expr:
                    raise DebuggerError(f"breakpoint {bp.id} can not be enabled")  # set by address only
                fresh.addrs, fresh.addr_pids = addrs, [self.t.pid] * len(addrs)
                self._describe(fresh)
                self.t.breakpoints.add(fresh)
            except UserError as e:
                # Delve reports the logical breakpoint: no addresses, its counts already reset.
                discarded.append((replace(bp, addrs=[], hit_count={}, total_hit_count=0), str(e)))
        self.t.breakpoints.allocate_from(next_id)
        return discarded

    def next_breakpoint_id(self) -> int:
        return self.t.breakpoints.next_id

    def find_breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        return self.t.breakpoints.find(bp_id, name)

    def clear_breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        bp = self.find_breakpoint(bp_id, name)
        self.t.breakpoints.remove(bp)
        return bp

    def toggle_breakpoint(self, bp_id: int, name: str) -> Breakpoint:
        bp = self.find_breakpoint(bp_id, name)
        self._set_disabled(bp, not bp.disabled)
        return bp

    def _set_disabled(self, bp: Breakpoint, disabled: bool) -> None:
        """Delve's SetBreakpointEnabled: enabling a breakpoint without addresses looks for its
        location again; when that fails it stays enabled (Delve sets the flag first) and the error
        is the lookup's."""
        if not disabled and bp.disabled and not bp.addrs and not self.t.exited:
            bp.disabled = False
            self._find_again(bp)
            return
        self.t.breakpoints.set_disabled(bp, disabled)

    def amend_breakpoint(self, new: Breakpoint) -> None:
        bp = self.t.breakpoints.by_id.get(new.id)
        if bp is None:
            raise DebuggerError(f"no breakpoint with ID {new.id}")
        check_name(new.name)
        self._check_conditions(new)
        for attr in ("name", "cond", "hit_cond", "hit_cond_per_g", "tracepoint", "trace_return", "goroutine",
                     "stacktrace", "variables", "load_args", "load_locals", "custom_commands",
                     "root_func_name", "trace_follow_calls"):
            setattr(bp, attr, getattr(new, attr))
        self._set_disabled(bp, new.disabled)
        self.t.breakpoints.update_satisfiable(bp)

    def list_breakpoints(self) -> list[Breakpoint]:
        return self.t.breakpoints.ordered()

    def find_location(self, text: str, include_non_executable: bool = False, goroutine_id: int = -1, frame: int = 0,
                      deferred_call: int = 0, substitute_rules: list[tuple[str, str]] | None = None) -> FindResult:
        """Delve's FindLocation: the spec parsed, then found in the frame the scope names."""
        from .locspec import parse_locspec

        self.t.live()
        spec = parse_locspec(text)
        scope = self._find_scope(goroutine_id, frame, deferred_call)
        others = [t for t in self._live_targets() if t is not self.t]
        if not others:
            return self.t.resolver.find(text, spec, scope, include_non_executable, substitute_rules, self.t.argv[:1])
        # Delve's FindLocation on a group: the locations found in any process; an error only when
        # none of them has it (the current one's).
        found: list[FindResult] = []
        first_error: UserError | None = None
        for t, sc in [(self.t, scope), *((o, None) for o in others)]:
            try:
                found.append(t.resolver.find(text, spec, sc, include_non_executable, substitute_rules, t.argv[:1]))
            except UserError as e:
                first_error = first_error or e
        if not found:
            assert first_error is not None
            raise first_error
        return replace(found[0], locations=[loc for r in found for loc in r.locations])

    def _find_scope(self, goroutine_id: int, frame: int, deferred_call: int) -> FindScope | None:
        """Delve's ConvertEvalScope for FindLocation: None when it fails (no such goroutine or frame)."""
        from .locspec import FindScope

        try:
            t = self.t
            pc = scope_frame(t.binary, t.live(), t.goroutines, goroutine_id, frame, deferred_call, self.sel.goroutine,
                             self.sel.current_tid)[0].frame.pc
        except UserError:
            return None

        def evaluate(expr: str) -> object:
            # Only a `*EXPR` location evaluates: the evaluator is not loaded for names.
            from . import expressions

            return expressions.evaluate(self.t, self.sel, goroutine_id, frame, deferred_call, expr, _ADDR_CFG)

        return FindScope(pc, evaluate)
