package ggml

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTypeTraits(t *testing.T) {
	cases := []struct {
		typ              Type
		name             string
		block, size, row int // row: RowSize(4096)
		known, supported bool
	}{
		{F32, "F32", 1, 4, 16384, true, true},
		{F16, "F16", 1, 2, 8192, true, true},
		{BF16, "BF16", 1, 2, 8192, true, true},
		{Q4_0, "Q4_0", 32, 18, 2304, true, true},
		{Q8_0, "Q8_0", 32, 34, 4352, true, true},
		{Q4_K, "Q4_K", 256, 144, 2304, true, true},
		{Q5_K, "Q5_K", 256, 176, 2816, true, true},
		{Q6_K, "Q6_K", 256, 210, 3360, true, true},
		{Q8_K, "Q8_K", 256, 292, 4672, true, true},
		{Q2_K, "Q2_K", 256, 84, 1344, true, false},
		{I64, "I64", 1, 8, 32768, true, false},
		{Type(4), "type(4)", 0, 0, 0, false, false}, // a hole in ggml's numbering
		{Type(31), "type(31)", 0, 0, 0, false, false},
		{Type(1 << 31), "type(2147483648)", 0, 0, 0, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.name, tc.typ.String())
			require.Equal(t, tc.block, tc.typ.BlockSize())
			require.Equal(t, tc.size, tc.typ.TypeSize())
			require.Equal(t, tc.row, tc.typ.RowSize(4096))
			require.Equal(t, tc.known, tc.typ.Known())
			require.Equal(t, tc.supported, tc.typ.Supported())
			got, err := ParseType(tc.name)
			if tc.known {
				require.NoError(t, err)
				require.Equal(t, tc.typ, got)
			} else {
				require.ErrorContains(t, err, "unknown ggml type")
			}
		})
	}
}
