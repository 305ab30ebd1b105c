# Joins `Perf --filter conv-shapes` (file names containing ck) with perf/torch/conv_shapes_cuda.py's output
# (fp32, default) by shape key; see compare.sh.
FILENAME ~ /ck/ && $1 == "conv-shape" { ck[$2 " " $3] = $4 " " $5; if (!($2 in seen)) { seen[$2] = 1; keys[n++] = $2 } }
FILENAME ~ /fp32/ && $1 == "torch-shape" { fp[$2] = $3 " " $4 }
FILENAME ~ /default/ && $1 == "torch-shape" { df[$2] = $3 " " $4 }
END {
  printf "%-36s %21s %21s %21s %21s %15s\n", "shape (ms: fwd bwd)", "direct", "tiled", "torch fp32", "torch default", "fp32/tiled f b"
  for (i = 0; i < n; i++) {
    k = keys[i]; split(ck[k " TiledGemm"], t, " "); split(fp[k], f, " ")
    printf "%-36s %21s %21s %21s %21s %7.2f %7.2f\n", k, ck[k " Direct"], ck[k " TiledGemm"], fp[k], df[k],
      (t[1] > 0 ? f[1] / t[1] : 0), (t[2] > 0 ? f[2] / t[2] : 0)
  }
}
