#include "textflag.h"

TEXT ·loadVectors(SB),NOSPLIT,$0-18
	MOVQ lo+0(FP), AX
	MOVQ AX, X2
	MOVQ hi+8(FP), BX
	PINSRQ $1, BX, X2
	MOVQ $42, AX
	CMPB avx+16(FP), $0
	JEQ trap
	VINSERTF128 $1, X2, Y2, Y7
	CMPB avx512+17(FP), $0
	JEQ trap
	VINSERTF64X4 $1, Y7, Z7, Z9
trap:
	BYTE $0xcc
	RET

TEXT ·cpuid7(SB),NOSPLIT,$0-4
	MOVL $7, AX
	MOVL $0, CX
	CPUID
	MOVL BX, ret+0(FP)
	RET

TEXT ·cpuid1(SB),NOSPLIT,$0-4
	MOVL $1, AX
	MOVL $0, CX
	CPUID
	MOVL CX, ret+0(FP)
	RET
