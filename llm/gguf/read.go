// Package gguf reads and writes GGUF files, the container llama.cpp uses for
// model weights and metadata. The reader maps the file into memory and hands
// out tensor data as slices of that mapping, so a 4 GB model costs no copy.
//
// Layout (little-endian): magic "GGUF", version (2 or 3), tensor count,
// metadata count, the metadata key-values, the tensor infos, padding to the
// alignment, then the tensor data; each tensor's offset is relative to the
// start of that data section.
package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/quirehq/quire/llm/ggml"
)

// DefaultAlignment is the data alignment when general.alignment is absent.
const DefaultAlignment = 32

// KeyAlignment is the metadata key that overrides DefaultAlignment.
const KeyAlignment = "general.alignment"

const (
	magic       = 0x46554747 // "GGUF" read as little-endian uint32
	maxDims     = 4          // GGML_MAX_DIMS
	maxNameLen  = 64         // GGML_MAX_NAME, including the terminating NUL
	maxNesting  = 8          // arrays of arrays deeper than this are refused
	minVersion  = 2
	maxVersion  = 3
	headerBytes = 4 + 4 + 8 + 8
)

// valueType is a GGUF metadata value type id.
type valueType uint32

const (
	typeUint8   valueType = 0
	typeInt8    valueType = 1
	typeUint16  valueType = 2
	typeInt16   valueType = 3
	typeUint32  valueType = 4
	typeInt32   valueType = 5
	typeFloat32 valueType = 6
	typeBool    valueType = 7
	typeString  valueType = 8
	typeArray   valueType = 9
	typeUint64  valueType = 10
	typeInt64   valueType = 11
	typeFloat64 valueType = 12
)

// fixedSize is the encoded size of a scalar type, 0 for string and array.
func (t valueType) fixedSize() int {
	switch t {
	case typeUint8, typeInt8, typeBool:
		return 1
	case typeUint16, typeInt16:
		return 2
	case typeUint32, typeInt32, typeFloat32:
		return 4
	case typeUint64, typeInt64, typeFloat64:
		return 8
	}
	return 0
}

// minSize is the fewest bytes one value of type t can take; it bounds
// element counts by the bytes that remain.
func (t valueType) minSize() int {
	switch t {
	case typeString:
		return 8
	case typeArray:
		return 12
	}
	return t.fixedSize()
}

// KV is one metadata entry. Value holds a Go value: uint8, int8, uint16,
// int16, uint32, int32, uint64, int64, float32, float64, bool, string, or a
// slice of one of those for arrays; an array of arrays is a []any whose
// elements are such slices.
type KV struct {
	Key   string
	Value any
}

// Tensor describes one tensor and views its bytes inside the file.
type Tensor struct {
	Name string
	Type ggml.Type
	// Dims are in ggml's ne order: Dims[0] is the row length (the fastest
	// varying dimension).
	Dims []int
	// Offset is relative to the start of the data section.
	Offset uint64
	// Data is the tensor's bytes, a view into the file mapping: valid until
	// the File is closed, and read-only. From Open it starts at a multiple
	// of the file's Alignment in memory (the mapping is page-aligned).
	Data []byte
}

// Elements is the number of elements in the tensor.
func (t *Tensor) Elements() int {
	n := 1
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// File is a parsed GGUF file.
type File struct {
	Version   uint32
	Alignment int
	KVs       []KV
	Tensors   []Tensor
	// DataOffset is the file offset where the tensor data section starts.
	DataOffset int64

	kvIndex map[string]int
	tIndex  map[string]int
	unmap   func() error // set by Open
}

// ErrFormat is wrapped by every error about malformed file contents.
var ErrFormat = errors.New("malformed GGUF file")

// reader is a bounds-checked cursor over the file bytes. After the first
// failure it stays failed and returns zero values.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: at byte %d: %s", ErrFormat, r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) remaining() int { return len(r.b) - r.off }

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.remaining() {
		r.fail("truncated: %s needs %d bytes, %d remain", what, n, r.remaining())
		return nil
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	return s
}

func (r *reader) u8(what string) uint8 {
	if s := r.take(1, what); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) u16(what string) uint16 {
	if s := r.take(2, what); s != nil {
		return binary.LittleEndian.Uint16(s)
	}
	return 0
}

func (r *reader) u32(what string) uint32 {
	if s := r.take(4, what); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

func (r *reader) u64(what string) uint64 {
	if s := r.take(8, what); s != nil {
		return binary.LittleEndian.Uint64(s)
	}
	return 0
}

// count reads a uint64 element count and checks that count elements of at
// least elemSize bytes each fit in what remains.
func (r *reader) count(elemSize int, what string) int {
	n := r.u64(what)
	if r.err != nil {
		return 0
	}
	if elemSize < 1 {
		elemSize = 1
	}
	if n > uint64(r.remaining()/elemSize) {
		r.fail("%s of %d does not fit in the %d bytes that remain", what, n, r.remaining())
		return 0
	}
	return int(n)
}

func (r *reader) str(what string) string {
	n := r.count(1, what+" length")
	return string(r.take(n, what))
}

// Parse decodes a GGUF file held in data. Tensor views point into data.
func Parse(data []byte) (*File, error) {
	r := &reader{b: data}
	if len(data) < headerBytes {
		return nil, fmt.Errorf("%w: %d bytes is too short for a GGUF header (%d)", ErrFormat, len(data), headerBytes)
	}
	if m := r.u32("magic"); m != magic {
		return nil, fmt.Errorf("%w: not a GGUF file (magic %q)", ErrFormat, data[:4])
	}
	f := &File{Version: r.u32("version")}
	switch {
	case f.Version == 1:
		return nil, fmt.Errorf("%w: GGUF version 1 is obsolete; convert the model again with a current llama.cpp", ErrFormat)
	case f.Version&0xFFFF == 0 && f.Version != 0:
		return nil, fmt.Errorf("%w: version %#x looks big-endian; only little-endian GGUF is supported", ErrFormat, f.Version)
	case f.Version < minVersion || f.Version > maxVersion:
		return nil, fmt.Errorf("%w: unsupported GGUF version %d (want %d or %d)", ErrFormat, f.Version, minVersion, maxVersion)
	}
	// The smallest tensor info is 8 (name) + 4 (n_dims) + 4 (type) + 8
	// (offset) bytes; the smallest KV is 8 (key) + 4 (type) + 1.
	nTensors := r.count(24, "tensor count")
	nKV := r.count(13, "metadata count")
	if r.err != nil {
		return nil, r.err
	}

	f.KVs = make([]KV, 0, nKV)
	f.kvIndex = make(map[string]int, nKV)
	for i := 0; i < nKV; i++ {
		key := r.str("metadata key")
		if r.err != nil {
			break
		}
		if key == "" {
			r.fail("metadata key %d is empty", i)
			break
		}
		if _, dup := f.kvIndex[key]; dup {
			r.fail("duplicate metadata key %q", key)
			break
		}
		t := valueType(r.u32("value type"))
		v := r.value(t, 0)
		if r.err != nil {
			r.err = fmt.Errorf("key %q: %w", key, r.err)
			break
		}
		f.kvIndex[key] = len(f.KVs)
		f.KVs = append(f.KVs, KV{Key: key, Value: v})
	}
	if r.err != nil {
		return nil, r.err
	}

	f.Alignment = DefaultAlignment
	if i, ok := f.kvIndex[KeyAlignment]; ok {
		a, ok := f.KVs[i].Value.(uint32)
		if !ok {
			return nil, fmt.Errorf("%w: %s must be a uint32, not %T", ErrFormat, KeyAlignment, f.KVs[i].Value)
		}
		if a == 0 || a&(a-1) != 0 {
			return nil, fmt.Errorf("%w: %s %d is not a power of two", ErrFormat, KeyAlignment, a)
		}
		f.Alignment = int(a)
	}

	f.Tensors = make([]Tensor, 0, nTensors)
	f.tIndex = make(map[string]int, nTensors)
	for i := 0; i < nTensors && r.err == nil; i++ {
		t := r.tensorInfo()
		if r.err != nil {
			break
		}
		if _, dup := f.tIndex[t.Name]; dup {
			r.fail("duplicate tensor name %q", t.Name)
			break
		}
		f.tIndex[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	if r.err != nil {
		return nil, r.err
	}

	// The data section starts at the next multiple of the alignment.
	start := uint64(r.off)
	if nTensors > 0 {
		start = alignUp(start, uint64(f.Alignment))
		if start > uint64(len(data)) {
			return nil, fmt.Errorf("%w: truncated: data section would start at %d but the file has %d bytes", ErrFormat, start, len(data))
		}
	}
	f.DataOffset = int64(start)
	section := data[start:]
	for i := range f.Tensors {
		t := &f.Tensors[i]
		size := uint64(t.Type.RowSize(t.Dims[0])) * uint64(t.Elements()/max(t.Dims[0], 1))
		if t.Dims[0] == 0 {
			size = 0
		}
		if t.Offset%uint64(f.Alignment) != 0 {
			return nil, fmt.Errorf("%w: tensor %q offset %d is not a multiple of the alignment %d", ErrFormat, t.Name, t.Offset, f.Alignment)
		}
		if t.Offset > uint64(len(section)) || size > uint64(len(section))-t.Offset {
			return nil, fmt.Errorf("%w: truncated: tensor %q needs bytes %d..%d of the data section, which has %d", ErrFormat, t.Name, t.Offset, t.Offset+size, len(section))
		}
		t.Data = section[t.Offset : t.Offset+size : t.Offset+size]
	}
	return f, nil
}

func alignUp(n, a uint64) uint64 { return (n + a - 1) / a * a }

func (r *reader) tensorInfo() Tensor {
	var t Tensor
	t.Name = r.str("tensor name")
	if r.err != nil {
		return t
	}
	if t.Name == "" {
		r.fail("a tensor has an empty name")
		return t
	}
	if len(t.Name) >= maxNameLen {
		r.fail("tensor name %q is %d bytes; ggml allows at most %d", t.Name, len(t.Name), maxNameLen-1)
		return t
	}
	nDims := r.u32("tensor dimension count")
	if r.err == nil && (nDims == 0 || nDims > maxDims) {
		r.fail("tensor %q has %d dimensions; want 1 to %d", t.Name, nDims, maxDims)
	}
	if r.err != nil {
		return t
	}
	t.Dims = make([]int, nDims)
	total := uint64(1)
	for j := range t.Dims {
		d := r.u64("tensor dimension")
		if r.err != nil {
			return t
		}
		// Each dimension and the product must stay below 2^62 so that byte
		// sizes computed from them cannot overflow.
		if d >= 1<<62 || (d != 0 && total > (1<<62)/d) {
			r.fail("tensor %q shape is too large", t.Name)
			return t
		}
		total *= d
		t.Dims[j] = int(d)
	}
	t.Type = ggml.Type(r.u32("tensor type"))
	t.Offset = r.u64("tensor offset")
	if r.err != nil {
		return t
	}
	if !t.Type.Known() {
		r.fail("tensor %q has unknown ggml type %d", t.Name, uint32(t.Type))
		return t
	}
	if bs := t.Type.BlockSize(); t.Dims[0]%bs != 0 {
		r.fail("tensor %q row length %d is not a multiple of the %s block size %d", t.Name, t.Dims[0], t.Type, bs)
		return t
	}
	// Bytes = rows * RowSize(Dims[0]); bounded by total/blockSize*typeSize.
	if total/uint64(t.Type.BlockSize()) > math.MaxInt64/uint64(t.Type.TypeSize()) {
		r.fail("tensor %q is too large", t.Name)
	}
	return t
}

// value reads one metadata value of type t.
func (r *reader) value(t valueType, depth int) any {
	switch t {
	case typeUint8:
		return r.u8("uint8")
	case typeInt8:
		return int8(r.u8("int8"))
	case typeUint16:
		return r.u16("uint16")
	case typeInt16:
		return int16(r.u16("int16"))
	case typeUint32:
		return r.u32("uint32")
	case typeInt32:
		return int32(r.u32("int32"))
	case typeUint64:
		return r.u64("uint64")
	case typeInt64:
		return int64(r.u64("int64"))
	case typeFloat32:
		return math.Float32frombits(r.u32("float32"))
	case typeFloat64:
		return math.Float64frombits(r.u64("float64"))
	case typeBool:
		b := r.u8("bool")
		if b > 1 {
			r.fail("bool value %d is neither 0 nor 1", b)
		}
		return b == 1
	case typeString:
		return r.str("string")
	case typeArray:
		if depth >= maxNesting {
			r.fail("arrays nested more than %d deep", maxNesting)
			return nil
		}
		et := valueType(r.u32("array element type"))
		if r.err != nil {
			return nil
		}
		if et.minSize() == 0 {
			r.fail("array of unknown value type %d", et)
			return nil
		}
		n := r.count(et.minSize(), "array length")
		if r.err != nil {
			return nil
		}
		return r.array(et, n, depth)
	}
	r.fail("unknown value type %d", t)
	return nil
}

// array reads n elements of type et into a typed slice.
func (r *reader) array(et valueType, n, depth int) any {
	if fs := et.fixedSize(); fs > 0 {
		raw := r.take(n*fs, "array data")
		if r.err != nil {
			return nil
		}
		return decodeFixed(et, raw, n)
	}
	switch et {
	case typeString:
		out := make([]string, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			out = append(out, r.str("string"))
		}
		return out
	default: // typeArray
		out := make([]any, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			out = append(out, r.value(typeArray, depth+1))
		}
		return out
	}
}

func decodeFixed(et valueType, raw []byte, n int) any {
	le := binary.LittleEndian
	switch et {
	case typeUint8:
		return append([]uint8(nil), raw...)
	case typeInt8:
		out := make([]int8, n)
		for i := range out {
			out[i] = int8(raw[i])
		}
		return out
	case typeBool:
		out := make([]bool, n)
		for i := range out {
			out[i] = raw[i] != 0
		}
		return out
	case typeUint16:
		out := make([]uint16, n)
		for i := range out {
			out[i] = le.Uint16(raw[2*i:])
		}
		return out
	case typeInt16:
		out := make([]int16, n)
		for i := range out {
			out[i] = int16(le.Uint16(raw[2*i:]))
		}
		return out
	case typeUint32:
		out := make([]uint32, n)
		for i := range out {
			out[i] = le.Uint32(raw[4*i:])
		}
		return out
	case typeInt32:
		out := make([]int32, n)
		for i := range out {
			out[i] = int32(le.Uint32(raw[4*i:]))
		}
		return out
	case typeFloat32:
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
		return out
	case typeUint64:
		out := make([]uint64, n)
		for i := range out {
			out[i] = le.Uint64(raw[8*i:])
		}
		return out
	case typeInt64:
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(le.Uint64(raw[8*i:]))
		}
		return out
	default: // typeFloat64
		out := make([]float64, n)
		for i := range out {
			out[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
		return out
	}
}
