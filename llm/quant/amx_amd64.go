//go:build amd64 && !noasm

package quant

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/cpu"

	"github.com/quirehq/quire/llm/ggml"
)

// AMX (Advanced Matrix Extensions, Intel Sapphire Rapids and later): eight
// tile registers of up to 16 rows x 64 bytes and TDPBSSD, which adds a
// 16x64 int8 by 64x16 int8 product into a 16x16 int32 tile in one
// instruction, 16 times the work of a 512-bit VPDPBUSD. Prompt processing
// uses it for the integer part of the repacked-order tile kernels
// (amx_q4_0_amd64.go, amx_q4_k_amd64.go): the tile products give each
// block's exact integer sum for 16 activation rows x 16 weight rows, and
// AVX-512 then applies the float scales in exactly the order of the
// one-token kernels, so the results stay bit for bit those of
// VecDotRepacked.
//
// Linux hands out the 8 KiB of tile state only to a process that asks for
// it (arch_prctl ARCH_REQ_XCOMP_PERM), which amxInit does once. Each kernel
// loads its tile configuration, computes and releases the tiles within one
// assembly call: Go never preempts assembly asynchronously, so no goroutine
// switch can fall between the tile instructions, and the kernel saves the
// state on a thread switch like any other register.

// amxOn says whether the AMX kernels are in use: the CPU has AMX-TILE and
// AMX-INT8 with AVX-512 VNNI, and the kernel granted the tile state. Tests
// and benchmarks clear it to compare with the AVX-512 kernels.
var amxOn = amxInit()

// amxAvailable is what amxInit found, for tests.
var amxAvailable = amxOn

const (
	archReqXCompPerm = 0x1023 // arch_prctl: ask for an extended state component
	xfeatureTileData = 18     // the AMX tile data component
)

func amxInit() bool {
	x := cpu.X86
	if !x.HasAMXTile || !x.HasAMXInt8 || !x.HasAVX512F || !x.HasAVX512BW || !x.HasAVX512VNNI {
		return false
	}
	_, _, errno := syscall.RawSyscall(syscall.SYS_ARCH_PRCTL, archReqXCompPerm, xfeatureTileData, 0)
	return errno == 0
}

// amxConfig is the 64-byte operand of LDTILECFG: palette 1, then each
// tile's bytes per row and rows.
type amxConfig struct {
	palette  uint8
	startRow uint8
	_        [14]byte
	colsb    [16]uint16
	rows     [16]uint8
}

var _ [64 - unsafe.Sizeof(amxConfig{})]byte

// amxTiles returns the configuration of the kernels' tiles for m
// activation rows: tmm0 and tmm4 hold activations (m rows of aBytes),
// tmm1 and tmm5 weights in VNNI order (bBytes/4 rows of 64 bytes) and tmm2
// and tmm3 the int32 sums (m rows of 16).
func amxTiles(m, aBytes int) amxConfig {
	c := amxConfig{palette: 1}
	for _, t := range []int{0, 4} {
		c.rows[t], c.colsb[t] = uint8(m), uint16(aBytes)
	}
	for _, t := range []int{1, 5} {
		c.rows[t], c.colsb[t] = uint8(aBytes/4), 64
	}
	for _, t := range []int{2, 3} {
		c.rows[t], c.colsb[t] = uint8(m), 64
	}
	return c
}

// alignedBytes returns n bytes of b (grown when short) starting at a
// 64-byte boundary.
func alignedBytes(b *[]byte, n int) []byte {
	if len(*b) < n+64 {
		*b = make([]byte, n+64)
	}
	off := int((64 - uintptr(unsafe.Pointer(&(*b)[0]))%64) % 64)
	return (*b)[off : off+n]
}

// alignedFloats is alignedBytes for float32s.
func alignedFloats(b *[]float32, n int) []float32 {
	if len(*b) < n+16 {
		*b = make([]float32, n+16)
	}
	off := int((64 - uintptr(unsafe.Pointer(&(*b)[0]))%64) % 64 / 4)
	return (*b)[off : off+n]
}

// amxRepacked returns the avx512vnni kernels of t with the AMX tile
// kernel, or nil when t has none.
func amxRepacked(t ggml.Type) *repackedKernels {
	switch t {
	case ggml.Q4_0:
		return amxQ4_0Kernels
	case ggml.Q4_K:
		return amxQ4KKernels
	}
	return nil
}

var amxQ4_0Kernels = func() *repackedKernels {
	k := *repackedQ4_0Kernels(levelAVX512VNNI)
	k.tile, k.tileRows = tileQ4_0AMX, 1<<20
	return &k
}()

var amxQ4KKernels = func() *repackedKernels {
	k := *repackedQ4KKernels(levelAVX512VNNI)
	k.tile, k.tileRows = tileQ4KAMX, 1<<20
	return &k
}()

// amxLevel is the SIMD level the AMX kernels extend.
const amxLevel = levelAVX512VNNI

// amxGroupOffsets sets the byte offsets of a group's 16 rows, rs bytes
// apart, for a group of n rows: the missing ones repeat the last (their
// results are not stored).
func amxGroupOffsets(off *[16]int32, n, rs int) {
	for r := range off {
		off[r] = int32(min(r, n-1) * rs)
	}
}

// amxStore copies a kernel's 16x16 results (obuf, row m: activation row
// 16t+m) for the first mt activation rows and n weight rows from g into
// out.
func amxStore(out [][]float32, t, mt, g, n int, obuf []float32) {
	for m := range mt {
		copy(out[t*16+m][g:g+n], obuf[m*16:m*16+n])
	}
}
