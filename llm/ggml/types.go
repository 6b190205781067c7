// Package ggml names the tensor element types of GGUF files and their block
// geometry, as ggml defines them (ggml.h, ggml-common.h). It is shared by the
// GGUF reader and the quantization kernels.
package ggml

import "fmt"

// Type is ggml's tensor type id as stored in GGUF files.
type Type uint32

const (
	F32  Type = 0
	F16  Type = 1
	Q4_0 Type = 2
	Q4_1 Type = 3
	Q5_0 Type = 6
	Q5_1 Type = 7
	Q8_0 Type = 8
	Q8_1 Type = 9
	Q2_K Type = 10
	Q3_K Type = 11
	Q4_K Type = 12
	Q5_K Type = 13
	Q6_K Type = 14
	Q8_K Type = 15
	I8   Type = 24
	I16  Type = 25
	I32  Type = 26
	I64  Type = 27
	F64  Type = 28
	BF16 Type = 30
)

// QK_K is the super-block size of the K-quants.
const QK_K = 256

type traits struct {
	name      string
	blockSize int // elements per block
	typeSize  int // bytes per block
	supported bool
}

// table is indexed by Type: these lookups sit under every row of every
// matrix product, where a map lookup showed up at about 9% of generation.
var table = [...]traits{
	F32:  {"F32", 1, 4, true},
	F16:  {"F16", 1, 2, true},
	BF16: {"BF16", 1, 2, true},
	Q4_0: {"Q4_0", 32, 18, true},
	Q4_1: {"Q4_1", 32, 20, false},
	Q5_0: {"Q5_0", 32, 22, false},
	Q5_1: {"Q5_1", 32, 24, false},
	Q8_0: {"Q8_0", 32, 34, true},
	Q8_1: {"Q8_1", 32, 36, false},
	Q2_K: {"Q2_K", QK_K, 84, false},
	Q3_K: {"Q3_K", QK_K, 110, false},
	Q4_K: {"Q4_K", QK_K, 144, true},
	Q5_K: {"Q5_K", QK_K, 176, true},
	Q6_K: {"Q6_K", QK_K, 210, true},
	Q8_K: {"Q8_K", QK_K, 292, true},
	I8:   {"I8", 1, 1, false},
	I16:  {"I16", 1, 2, false},
	I32:  {"I32", 1, 4, false},
	I64:  {"I64", 1, 8, false},
	F64:  {"F64", 1, 8, false},
}

// traitsOf returns t's row of table, the zero traits for unknown ids.
func traitsOf(t Type) traits {
	if int(t) < len(table) {
		return table[t]
	}
	return traits{}
}

// Known reports whether ggml defines t (its size is then known).
func (t Type) Known() bool { return traitsOf(t).blockSize != 0 }

// Supported reports whether Quire's engine can compute with t.
func (t Type) Supported() bool { return traitsOf(t).supported }

func (t Type) String() string {
	if tr := traitsOf(t); tr.blockSize != 0 {
		return tr.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// BlockSize is the number of elements in one block (1 for plain floats).
func (t Type) BlockSize() int { return traitsOf(t).blockSize }

// TypeSize is the number of bytes in one block.
func (t Type) TypeSize() int { return traitsOf(t).typeSize }

// RowSize is the byte size of n elements; n must be a multiple of BlockSize.
func (t Type) RowSize(n int) int {
	tr := traitsOf(t)
	if tr.blockSize == 0 {
		return 0
	}
	return n / tr.blockSize * tr.typeSize
}

// ParseType maps a name such as "Q4_K" to its Type.
func ParseType(name string) (Type, error) {
	for t, tr := range table {
		if tr.blockSize != 0 && tr.name == name {
			return Type(t), nil
		}
	}
	return 0, fmt.Errorf("unknown ggml type %q", name)
}
