package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/quirehq/quire/llm/ggml"
	"github.com/stretchr/testify/require"
)

// sampleKVs covers every metadata value type, including nested arrays.
func sampleKVs() []KV {
	return []KV{
		{"general.architecture", "llama"},
		{"u8", uint8(200)},
		{"i8", int8(-100)},
		{"u16", uint16(60000)},
		{"i16", int16(-30000)},
		{"u32", uint32(4000000000)},
		{"i32", int32(-2000000000)},
		{"u64", uint64(1) << 60},
		{"i64", int64(-1) << 60},
		{"f32", float32(1e-5)},
		{"f64", math.Pi},
		{"bool.true", true},
		{"bool.false", false},
		{"empty.string", ""},
		{"unicode", "héllo ▁世界 🦙"},
		{"arr.u8", []uint8{0, 1, 255}},
		{"arr.i8", []int8{-128, 0, 127}},
		{"arr.u16", []uint16{1, 65535}},
		{"arr.i16", []int16{-32768, 32767}},
		{"arr.u32", []uint32{7}},
		{"arr.i32", []int32{-1, 2, 3}},
		{"arr.u64", []uint64{math.MaxUint64}},
		{"arr.i64", []int64{math.MinInt64}},
		{"arr.f32", []float32{0, -1.5, float32(math.Inf(1))}},
		{"arr.f64", []float64{2.5}},
		{"arr.bool", []bool{true, false, true}},
		{"arr.string", []string{"a", "", "▁b"}},
		{"arr.empty", []string{}},
		{"arr.nested", []any{[]int32{1, 2}, []string{"x"}, []any{[]bool{true}}}},
	}
}

type sampleTensor struct {
	name string
	typ  ggml.Type
	dims []int
}

func sampleTensors() []sampleTensor {
	return []sampleTensor{
		{"token_embd.weight", ggml.F32, []int{8, 3}},
		{"blk.0.attn_q.weight", ggml.Q4_0, []int{64, 2}},
		{"blk.0.ffn_down.weight", ggml.Q6_K, []int{256, 1, 1}},
		{"odd", ggml.F16, []int{3}}, // 6 bytes: forces padding
		{"output_norm.weight", ggml.F32, []int{5, 1, 1, 1}},
	}
}

// tensorBytes is deterministic filler for a tensor's data.
func tensorBytes(name string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + len(name))
	}
	return b
}

func buildSample(t *testing.T, extra ...KV) (*Writer, []KV) {
	t.Helper()
	w := NewWriter()
	kvs := append(sampleKVs(), extra...)
	for _, kv := range kvs {
		w.Set(kv.Key, kv.Value)
	}
	for _, st := range sampleTensors() {
		st := st
		rows := 1
		for _, d := range st.dims[1:] {
			rows *= d
		}
		data := tensorBytes(st.name, st.typ.RowSize(st.dims[0])*rows)
		w.AddTensor(st.name, st.typ, st.dims, func(dst io.Writer) error {
			_, err := dst.Write(data)
			return err
		})
	}
	return w, kvs
}

func encode(t *testing.T, w *Writer) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := w.WriteTo(&buf)
	require.NoError(t, err)
	require.Equal(t, int64(buf.Len()), n)
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		extra []KV
		align int
	}{
		{"default alignment", nil, 32},
		{"alignment 64", []KV{{KeyAlignment, uint32(64)}}, 64},
		{"alignment 1", []KV{{KeyAlignment, uint32(1)}}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, kvs := buildSample(t, tc.extra...)
			data := encode(t, w)
			f, err := Parse(data)
			require.NoError(t, err)
			require.Equal(t, uint32(3), f.Version)
			require.Equal(t, tc.align, f.Alignment)
			require.Equal(t, kvs, f.KVs)
			require.Zero(t, f.DataOffset%int64(tc.align))
			require.Len(t, f.Tensors, len(sampleTensors()))
			for i, st := range sampleTensors() {
				got := f.Tensors[i]
				require.Equal(t, st.name, got.Name)
				require.Equal(t, st.typ, got.Type)
				require.Equal(t, st.dims, got.Dims)
				require.Zero(t, got.Offset%uint64(tc.align))
				require.Equal(t, tensorBytes(st.name, len(got.Data)), got.Data)
				byName, ok := f.Tensor(st.name)
				require.True(t, ok)
				require.Same(t, &f.Tensors[i], byName)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	w, _ := buildSample(t)
	f, err := Parse(encode(t, w))
	require.NoError(t, err)

	s, ok := f.String("general.architecture")
	require.True(t, ok)
	require.Equal(t, "llama", s)
	_, ok = f.String("u8")
	require.False(t, ok, "String on a non-string")

	for _, tc := range []struct {
		key  string
		want uint64
		ok   bool
	}{
		{"u8", 200, true}, {"u16", 60000, true}, {"u32", 4000000000, true},
		{"u64", 1 << 60, true}, {"i8", 0, false}, {"i32", 0, false},
		{"f32", 0, false}, {"missing", 0, false},
	} {
		got, ok := f.Uint(tc.key)
		require.Equal(t, tc.ok, ok, tc.key)
		if ok {
			require.Equal(t, tc.want, got, tc.key)
		}
	}
	for _, tc := range []struct {
		key  string
		want float64
	}{
		{"f32", float64(float32(1e-5))}, {"f64", math.Pi}, {"i16", -30000}, {"u8", 200}, {"i64", -(1 << 60)},
	} {
		got, ok := f.Float(tc.key)
		require.True(t, ok, tc.key)
		require.Equal(t, tc.want, got, tc.key)
	}
	b, ok := f.Bool("bool.true")
	require.True(t, ok)
	require.True(t, b)
	ss, ok := f.Strings("arr.string")
	require.True(t, ok)
	require.Equal(t, []string{"a", "", "▁b"}, ss)
	fs, ok := f.Float32s("arr.f32")
	require.True(t, ok)
	require.Len(t, fs, 3)
	is, ok := f.Int32s("arr.i32")
	require.True(t, ok)
	require.Equal(t, []int32{-1, 2, 3}, is)
	_, ok = f.Tensor("nope")
	require.False(t, ok)
}

func TestWriteFileAndOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gguf")
	w, kvs := buildSample(t)
	require.NoError(t, w.WriteFile(path))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file left behind")

	f, err := Open(path)
	require.NoError(t, err)
	require.Equal(t, kvs, f.KVs)
	tt, ok := f.Tensor("token_embd.weight")
	require.True(t, ok)
	require.Equal(t, tensorBytes("token_embd.weight", 8*3*4), tt.Data)
	require.NoError(t, f.Close())
	require.Nil(t, f.Tensors[0].Data, "views are dropped on Close")
	require.NoError(t, f.Close(), "second Close is a no-op")
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.gguf")
	require.NoError(t, os.WriteFile(short, []byte("GGUF"), 0o644))
	notGGUF := filepath.Join(dir, "text.gguf")
	require.NoError(t, os.WriteFile(notGGUF, bytes.Repeat([]byte("hello world "), 10), 0o644))

	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "absent.gguf"), "no such file"},
		{"directory", dir, "not a regular file"},
		{"too short", short, "too short"},
		{"not gguf", notGGUF, "not a GGUF file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.path)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestWriterErrors(t *testing.T) {
	noop := func(io.Writer) error { return nil }
	for _, tc := range []struct {
		name  string
		build func(w *Writer)
		want  string
	}{
		{"bad value type", func(w *Writer) { w.Set("k", struct{}{}) }, "unsupported metadata value type"},
		{"scalar in []any", func(w *Writer) { w.Set("k", []any{uint8(1)}) }, "may only hold arrays"},
		{"empty key", func(w *Writer) { w.Set("", "x") }, "empty metadata key"},
		{"bad alignment", func(w *Writer) { w.Set(KeyAlignment, uint32(3)) }, "power of two"},
		{"alignment type", func(w *Writer) { w.Set(KeyAlignment, "32") }, "power of two"},
		{"duplicate tensor", func(w *Writer) {
			w.AddTensor("a", ggml.F32, []int{1}, func(d io.Writer) error { _, err := d.Write(make([]byte, 4)); return err })
			w.AddTensor("a", ggml.F32, []int{1}, noop)
		}, "duplicate tensor"},
		{"block size", func(w *Writer) { w.AddTensor("a", ggml.Q4_K, []int{100}, noop) }, "multiple of the Q4_K block size"},
		{"unknown type", func(w *Writer) { w.AddTensor("a", ggml.Type(99), []int{1}, noop) }, "unknown ggml type"},
		{"no dims", func(w *Writer) { w.AddTensor("a", ggml.F32, nil, noop) }, "dimensions"},
		{"short data", func(w *Writer) { w.AddTensor("a", ggml.F32, []int{4}, noop) }, "wrote 0 bytes, want 16"},
		{"data error", func(w *Writer) {
			w.AddTensor("a", ggml.F32, []int{4}, func(io.Writer) error { return errors.New("disk on fire") })
		}, "disk on fire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWriter()
			tc.build(w)
			_, err := w.WriteTo(io.Discard)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestWriteFileFailureLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	w := NewWriter()
	w.AddTensor("a", ggml.F32, []int{4}, func(io.Writer) error { return errors.New("boom") })
	require.ErrorContains(t, w.WriteFile(filepath.Join(dir, "x.gguf")), "boom")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, entries)
}

// TestTruncated checks that every prefix of a valid file that cuts into a
// tensor fails cleanly (only the last tensor's trailing padding may go).
func TestTruncated(t *testing.T) {
	w, _ := buildSample(t)
	data := encode(t, w)
	f, err := Parse(data)
	require.NoError(t, err)
	last := f.Tensors[len(f.Tensors)-1]
	end := int(f.DataOffset) + int(last.Offset) + len(last.Data)
	require.Less(t, end, len(data), "the sample should end in padding")
	_, err = Parse(data[:end:end])
	require.NoError(t, err, "trailing padding is optional")
	for n := 0; n < end; n++ {
		_, err := Parse(data[:n:n])
		require.Error(t, err, "prefix of %d bytes", n)
		require.ErrorIs(t, err, ErrFormat, "prefix of %d bytes", n)
	}
}

// header builds a raw file from a version, counts and a body.
func header(version uint32, nTensors, nKV uint64, body ...[]byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, magic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, nTensors)
	b = binary.LittleEndian.AppendUint64(b, nKV)
	for _, p := range body {
		b = append(b, p...)
	}
	return b
}

func gstr(s string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, uint64(len(s))), s...)
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func tinfo(name string, dims []uint64, typ uint32, off uint64) []byte {
	b := gstr(name)
	b = append(b, u32(uint32(len(dims)))...)
	for _, d := range dims {
		b = append(b, u64(d)...)
	}
	b = append(b, u32(typ)...)
	return append(b, u64(off)...)
}

func TestCorrupt(t *testing.T) {
	pad := make([]byte, 64)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"bad magic", append([]byte("GGUX"), make([]byte, 20)...), "not a GGUF file"},
		{"version 1", header(1, 0, 0), "version 1 is obsolete"},
		{"version 4", header(4, 0, 0), "unsupported GGUF version 4"},
		{"big endian", header(3<<24, 0, 0), "big-endian"},
		{"huge tensor count", header(3, 1<<62, 0), "tensor count"},
		{"huge kv count", header(3, 0, math.MaxUint64), "metadata count"},
		{"huge string", header(3, 0, 1, u64(math.MaxUint64), pad), "metadata key length"},
		{"empty key", header(3, 0, 1, gstr(""), u32(uint32(typeUint8)), []byte{1}), "is empty"},
		{"unknown value type", header(3, 0, 1, gstr("k"), u32(77), pad), "unknown value type 77"},
		{"bad bool", header(3, 0, 1, gstr("k"), u32(uint32(typeBool)), []byte{2}), "neither 0 nor 1"},
		{"huge array", header(3, 0, 1, gstr("k"), u32(uint32(typeArray)), u32(uint32(typeUint32)), u64(1<<40)), "array length"},
		{"array of unknown", header(3, 0, 1, gstr("k"), u32(uint32(typeArray)), u32(99), u64(1)), "unknown value type 99"},
		{"duplicate key", header(3, 0, 2, gstr("k"), u32(uint32(typeUint8)), []byte{1}, gstr("k"), u32(uint32(typeUint8)), []byte{1}), "duplicate metadata key"},
		{"alignment type", header(3, 0, 1, gstr(KeyAlignment), u32(uint32(typeUint64)), u64(32)), "must be a uint32"},
		{"alignment zero", header(3, 0, 1, gstr(KeyAlignment), u32(uint32(typeUint32)), u32(0)), "not a power of two"},
		{"too many dims", header(3, 1, 0, tinfo("t", []uint64{1, 1, 1, 1, 1}, 0, 0), pad), "dimensions"},
		{"zero dims", header(3, 1, 0, tinfo("t", nil, 0, 0), pad), "dimensions"},
		{"shape overflow", header(3, 1, 0, tinfo("t", []uint64{1 << 40, 1 << 40}, 0, 0), pad), "too large"},
		{"unknown tensor type", header(3, 1, 0, tinfo("t", []uint64{4}, 99, 0), pad), "unknown ggml type 99"},
		{"block size", header(3, 1, 0, tinfo("t", []uint64{100}, uint32(ggml.Q4_K), 0), pad), "not a multiple"},
		{"long name", header(3, 1, 0, tinfo(string(bytes.Repeat([]byte("n"), 64)), []uint64{1}, 0, 0), pad), "at most 63"},
		{"empty tensor name", header(3, 1, 0, tinfo("", []uint64{1}, 0, 0), pad), "empty name"},
		{"duplicate tensor", header(3, 2, 0, tinfo("t", []uint64{1}, 0, 0), tinfo("t", []uint64{1}, 0, 32), pad), "duplicate tensor name"},
		{"misaligned offset", header(3, 1, 0, tinfo("t", []uint64{1}, 0, 4), pad), "not a multiple of the alignment"},
		{"offset past end", header(3, 1, 0, tinfo("t", []uint64{1}, 0, 1<<40), pad), "truncated: tensor"},
		{"data past end", header(3, 1, 0, tinfo("t", []uint64{1000}, 0, 0), pad), "truncated: tensor"},
		{"offset overflow", header(3, 1, 0, tinfo("t", []uint64{8}, 0, math.MaxUint64-31), pad), "truncated: tensor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.data)
			require.ErrorIs(t, err, ErrFormat)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestVersion2(t *testing.T) {
	// v2 has the same layout as v3 for little-endian files.
	data := header(2, 1, 1, gstr("a"), u32(uint32(typeString)), gstr("b"), tinfo("t", []uint64{2}, uint32(ggml.F32), 0))
	for len(data)%32 != 0 {
		data = append(data, 0)
	}
	data = append(data, 1, 2, 3, 4, 5, 6, 7, 8)
	f, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, uint32(2), f.Version)
	require.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8}, f.Tensors[0].Data)
}

// FuzzParse: Parse must never panic, and whatever it accepts must re-encode
// to a file that parses to the same metadata and tensor bytes.
func FuzzParse(f *testing.F) {
	w := NewWriter()
	w.Set("general.architecture", "llama")
	w.Set("arr", []any{[]int32{1}, []string{"x"}})
	w.Set("f", float32(0.5))
	w.AddTensor("t", ggml.F32, []int{2, 2}, func(d io.Writer) error { _, err := d.Write(make([]byte, 16)); return err })
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(header(3, 0, 0))
	f.Add(header(2, 1, 1, gstr("a"), u32(uint32(typeString)), gstr("b"), tinfo("t", []uint64{2}, uint32(ggml.F32), 0)))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse(data)
		if err != nil {
			return
		}
		w := NewWriter()
		for _, kv := range g.KVs {
			w.Set(kv.Key, kv.Value)
		}
		for _, tt := range g.Tensors {
			tt := tt
			w.AddTensor(tt.Name, tt.Type, tt.Dims, func(d io.Writer) error { _, err := d.Write(tt.Data); return err })
		}
		var out bytes.Buffer
		if _, err := w.WriteTo(&out); err != nil {
			t.Fatalf("re-encode of an accepted file failed: %v", err)
		}
		h, err := Parse(out.Bytes())
		if err != nil {
			t.Fatalf("re-encoded file does not parse: %v", err)
		}
		require.Equal(t, len(g.KVs), len(h.KVs))
		require.Equal(t, len(g.Tensors), len(h.Tensors))
		for i := range g.Tensors {
			require.Equal(t, g.Tensors[i].Data, h.Tensors[i].Data)
		}
	})
}

// TestWriterStreams: tensor bytes flow from the callback to the output
// without the writer buffering the tensor.
func TestWriterStreams(t *testing.T) {
	const rows, cols = 512, 16384 // 32 MiB of F32
	w := NewWriter()
	w.AddTensor("big", ggml.F32, []int{cols, rows}, func(dst io.Writer) error {
		row := make([]byte, cols*4)
		for r := 0; r < rows; r++ {
			row[0] = byte(r)
			if _, err := dst.Write(row); err != nil {
				return err
			}
		}
		return nil
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n, err := w.WriteTo(io.Discard)
	require.NoError(t, err)
	runtime.ReadMemStats(&after)
	require.Greater(t, n, int64(rows*cols*4))
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(rows*cols*4/8), "allocated bytes while writing")
}
