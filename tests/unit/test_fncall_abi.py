"""ABIInternal and ABI0 frame layouts of injected calls (server/debugger/fncall/abi.py).

Cases follow cmd/compile/abi-internal.md; the ABI0 (debugCallV1) case is checked here
only, since no Go older than 1.17 is installed to run it for real.
"""

from __future__ import annotations

from pydlv.binary.dwarf_funcs import ShapeKind, TypeShape, scalar
from pydlv.debugger.fncall import abi

U8 = scalar("uint8", ShapeKind.INT, 1)
I32 = scalar("int32", ShapeKind.INT, 4)
INT = scalar("int", ShapeKind.INT, 8)
UPTR = scalar("uintptr", ShapeKind.INT, 8)
F32 = scalar("float32", ShapeKind.FLOAT, 4)
F64 = scalar("float64", ShapeKind.FLOAT, 8)
C128 = scalar("complex128", ShapeKind.COMPLEX, 16)
PTR = TypeShape("*uint8", ShapeKind.INT, 8, 8)
STRING = TypeShape("string", ShapeKind.STRUCT, 16, 8, 24, (("str", 0, PTR), ("len", 8, INT)))
EMPTY = TypeShape("struct {}", ShapeKind.STRUCT, 0, 1, 25)


def array(elem: TypeShape, n: int) -> TypeShape:
    return TypeShape(f"[{n}]{elem.name}", ShapeKind.ARRAY, elem.size * n, elem.align, 17, elem=elem, count=n)


def regs(slot: abi.Slot) -> list[str]:
    return [p.register for p in slot.pieces]


def test_spec_example() -> None:
    """func f(a1 uint8, a2 [2]uintptr, a3 uint8) (r1 struct{x uintptr; y [2]uintptr}, r2 string)."""
    r1 = TypeShape("r1", ShapeKind.STRUCT, 24, 8, 25, (("x", 0, UPTR), ("y", 8, array(UPTR, 2))))
    lay = abi.layout_regabi([U8, array(UPTR, 2), U8], [r1, STRING])
    a1, a2, a3 = lay.args
    assert regs(a1) == ["rax"] and regs(a3) == ["rbx"]
    assert a2.stack_offset == 0 and not a2.pieces
    assert lay.results[0].stack_offset == 16  # r1.x at 16, r1.y at 24
    assert regs(lay.results[1]) == ["rax", "rbx"]  # results restart at the first register
    assert (a1.spill_offset, a3.spill_offset) == (40, 41)
    assert lay.frame_size == 48  # spill then pointer alignment


def test_add_int_int() -> None:
    lay = abi.layout_regabi([INT, INT], [INT])
    assert [regs(s) for s in lay.args] == [["rax"], ["rbx"]]
    assert regs(lay.results[0]) == ["rax"]
    assert [s.spill_offset for s in lay.args] == [0, 8]
    assert lay.frame_size == 16


def test_float_args_and_mixed_results() -> None:
    lay = abi.layout_regabi([INT, F64], [INT, F64])  # debug_test.go's fn(x int, y float64) (int, float64)
    assert regs(lay.args[0]) == ["rax"] and regs(lay.args[1]) == ["X0"]
    assert regs(lay.results[0]) == ["rax"] and regs(lay.results[1]) == ["X0"]
    assert lay.frame_size == 16


def test_tenth_integer_goes_to_the_stack() -> None:
    lay = abi.layout_regabi([INT] * 10, [])
    assert [regs(s) for s in lay.args[:9]] == [[r] for r in abi.INT_REGS]
    assert lay.args[9].stack_offset == 0
    assert [s.spill_offset for s in lay.args[:9]] == [8 + 8 * i for i in range(9)]
    assert lay.frame_size == 80


def test_whole_or_nothing_then_later_args_still_use_registers() -> None:
    lay = abi.layout_regabi([INT] * 8 + [STRING, INT], [])
    assert lay.args[8].stack_offset == 0 and not lay.args[8].pieces  # needs 2, only 1 left
    assert regs(lay.args[9]) == ["r11"]  # the register the string did not take


def test_large_array_arg_and_result() -> None:
    big = array(INT, 128)  # debug_test.go's TestDebugCallLarge
    lay = abi.layout_regabi([big], [big])
    assert lay.args[0].stack_offset == 0 and lay.results[0].stack_offset == 1024
    assert lay.frame_size == 2048


def test_complex_float32_and_small_ints() -> None:
    lay = abi.layout_regabi([C128, F32, U8, I32], [])
    assert regs(lay.args[0]) == ["X0", "X1"] and [p.offset for p in lay.args[0].pieces] == [0, 8]
    assert regs(lay.args[1]) == ["X2"]
    assert regs(lay.args[2]) == ["rax"] and regs(lay.args[3]) == ["rbx"]
    # spill: complex128 at 0, float32 at 16, uint8 at 20, int32 at 24 -> 28, aligned to 32
    assert [s.spill_offset for s in lay.args] == [0, 16, 20, 24]
    assert lay.frame_size == 32


def test_zero_sized_and_one_element_arrays() -> None:
    lay = abi.layout_regabi([EMPTY, array(INT, 1), array(INT, 0)], [])
    assert lay.args[0].stack_offset == 0 and lay.args[0].shape.size == 0
    assert regs(lay.args[1]) == ["rax"]
    assert lay.args[2].stack_offset == 0  # zero size: on the stack, taking no room


def test_too_many_floats() -> None:
    lay = abi.layout_regabi([F64] * 16, [])
    assert regs(lay.args[14]) == ["X14"] and lay.args[15].stack_offset == 0


def test_scatter_gather_round_trip() -> None:
    lay = abi.layout_regabi([STRING, F64], [STRING])
    ra = abi.RegisterArgs()
    image = (0x1234).to_bytes(8, "little") + (5).to_bytes(8, "little")
    abi.scatter(lay.args[0], image, ra)
    abi.scatter(lay.args[1], abi.pack_float(2.5, 8), ra)
    assert ra.ints == {"rax": 0x1234, "rbx": 5} and ra.floats == {0: abi.pack_float(2.5, 8)}
    assert abi.gather(lay.results[0], ra) == image


def test_frame_image_places_stack_args() -> None:
    lay = abi.layout_regabi([INT] * 9 + [INT], [INT])
    images = [i.to_bytes(8, "little") for i in range(10)]
    frame = abi.frame_image(lay, images)
    assert len(frame) == lay.frame_size and frame[0:8] == (9).to_bytes(8, "little")


def test_abi0_frame_for_debug_call_v1() -> None:
    """debugCallV1: func f(a uint8, b int64, c uint8) (r int32, s string), all on the stack."""
    i64 = scalar("int64", ShapeKind.INT, 8)
    lay = abi.layout_abi0([U8, i64, U8], [I32, STRING])
    assert [s.stack_offset for s in lay.args] == [0, 8, 16]
    assert [s.stack_offset for s in lay.results] == [24, 32]  # results start pointer-aligned
    assert all(not s.pieces for s in lay.args + lay.results)
    assert lay.frame_size == 48
    # add(int, int) int under V1: 8 + 8 + 8
    assert abi.layout_abi0([INT, INT], [INT]).frame_size == 24


def test_reserved_frame_as_delve() -> None:
    """The size announced to the runtime (it picks debugCallNNN by it) is Delve's bound:
    every parameter on the stack plus all argument registers' bytes (9*8 + 15*8)."""
    greet = abi.layout_regabi([STRING], [STRING])  # func greet(name string) string
    assert greet.frame_size == 16 and greet.reserved == 32 + 192  # debugCall256, as Delve
    assert abi.layout_regabi([INT, INT], [INT]).reserved == 24 + 192
    assert abi.layout_regabi([U8, C128], []).reserved == 32 + 192  # complex128 aligned to 16
    big = abi.layout_regabi([array(INT, 256)], [])
    assert big.reserved == 2048 + 192 and big.reserved >= big.frame_size
    assert abi.layout_abi0([INT, INT], [INT]).reserved == 24  # debugCallV1: the frame itself
