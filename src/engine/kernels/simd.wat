;; ranfer's training kernels in WebAssembly SIMD. They run on the TensorFlow.js WASM backend's own
;; memory (imported), reading and writing its tensors in place by byte address.
;;
;; Assembled by scripts/build-wasm.ts into simd-wasm.ts: edit this file, then run `npm run build:wasm`.
(module
  (import "env" "memory" (memory 0))

  ;; The filter gradient's correlation, for taps (a, b) with a < th, b < tw:
  ;;   out[a*tw + b, co, ci] += sum over g, i, j, m of
  ;;       x[g, sH*i + oT + a, sW*j + oL + b, m, ci] * dy[g, i, j, m, co]
  ;; over the (i, j) where x's position lies inside its H x W map (no padding is read).
  ;; x: float32 [G, H, W, nb, Ci]; dy: float32 [G, OH, OW, nb, Co]; out: float64 [th*tw, Co, Ci].
  ;; Ci % 8 == 0, Co % 4 == 0.
  ;;
  ;; For one output row i and tap (a, b), the valid columns j0 <= j < j1 read a run of dy's rows, one
  ;; after the other, and of x's rows: consecutive ones when sW == 1, every sW-th one when nb == 1 (the
  ;; caller keeps nb == 1 when sW > 1). The work goes in blocks of R output rows of one
  ;; group g, whose x and dy rows stay in the cache while every tap and channel tile reads them. A tile is
  ;; 8 input x 4 output channels in eight float32x4 sums over a block's runs; each block's sums are added
  ;; to `out` in float64.
  (func (export "correlate_runs")
    (param $x i32) (param $dy i32) (param $out i32)
    (param $G i32) (param $H i32) (param $W i32) (param $OH i32) (param $OW i32) (param $nb i32)
    (param $Ci i32) (param $Co i32) (param $th i32) (param $tw i32) (param $oT i32) (param $oL i32)
    (param $R i32) (param $sH i32) (param $sW i32)
    (local $g i32) (local $r0 i32) (local $a i32) (local $b i32) (local $i i32)
    (local $i0 i32) (local $i1 i32) (local $j0 i32) (local $j1 i32)
    (local $xs i32) (local $ds i32) (local $os i32)
    (local $step i32)
    (local $co0 i32) (local $ci0 i32) (local $px i32) (local $pd i32) (local $n i32) (local $o i32)
    (local $x0 v128) (local $x1 v128) (local $d v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    ;; row strides in bytes: x, dy, and one output channel of out
    (local.set $xs (i32.shl (local.get $Ci) (i32.const 2)))
    (local.set $ds (i32.shl (local.get $Co) (i32.const 2)))
    (local.set $os (i32.shl (local.get $Ci) (i32.const 3)))
    (loop $groups
      (local.set $r0 (i32.const 0))
      (loop $blocks
        (local.set $a (i32.const 0))
        (loop $rows
          ;; output rows of this block whose input row sH*i + oT + a is inside the map
          (local.set $i0
            (call $max (local.get $r0)
              (call $ceildiv (i32.sub (i32.sub (i32.const 0) (local.get $oT)) (local.get $a)) (local.get $sH))))
          (local.set $i1
            (call $min (call $min (i32.add (local.get $r0) (local.get $R)) (local.get $OH))
              (i32.add (i32.const 1)
                (call $floordiv
                  (i32.sub (i32.sub (i32.sub (local.get $H) (i32.const 1)) (local.get $oT)) (local.get $a))
                  (local.get $sH)))))
          (local.set $b (i32.const 0))
          (loop $cols
            (local.set $j0
              (call $max (i32.const 0)
                (call $ceildiv (i32.sub (i32.sub (i32.const 0) (local.get $oL)) (local.get $b)) (local.get $sW))))
            (local.set $j1
              (call $min (local.get $OW)
                (i32.add (i32.const 1)
                  (call $floordiv
                    (i32.sub (i32.sub (i32.sub (local.get $W) (i32.const 1)) (local.get $oL)) (local.get $b))
                    (local.get $sW)))))
            (if (i32.and (i32.lt_s (local.get $i0) (local.get $i1)) (i32.lt_s (local.get $j0) (local.get $j1)))
              (then
                ;; x advances sW rows a step when images go one at a time, one row otherwise (sW == 1)
                (local.set $step (i32.mul (local.get $xs) (select (local.get $sW) (i32.const 1) (i32.eq (local.get $nb) (i32.const 1)))))
            (local.set $co0 (i32.const 0))
            (loop $cotiles
              (local.set $ci0 (i32.const 0))
              (loop $citiles
                (local.set $c0 (v128.const i32x4 0 0 0 0))
                (local.set $c1 (v128.const i32x4 0 0 0 0))
                (local.set $c2 (v128.const i32x4 0 0 0 0))
                (local.set $c3 (v128.const i32x4 0 0 0 0))
                (local.set $c4 (v128.const i32x4 0 0 0 0))
                (local.set $c5 (v128.const i32x4 0 0 0 0))
                (local.set $c6 (v128.const i32x4 0 0 0 0))
                (local.set $c7 (v128.const i32x4 0 0 0 0))
                (local.set $i (local.get $i0))
                (loop $runs
                  ;; x row ((g*H + sH*i + oT + a)*W + sW*j0 + oL + b)*nb, dy row ((g*OH + i)*OW + j0)*nb
                  (local.set $px
                    (i32.add (i32.add (local.get $x) (i32.shl (local.get $ci0) (i32.const 2)))
                      (i32.mul (local.get $xs)
                        (i32.mul (local.get $nb)
                          (i32.add
                            (i32.mul
                              (i32.add
                                (i32.add (i32.mul (local.get $g) (local.get $H)) (i32.mul (local.get $sH) (local.get $i)))
                                (i32.add (local.get $oT) (local.get $a)))
                              (local.get $W))
                            (i32.add (i32.mul (local.get $sW) (local.get $j0)) (i32.add (local.get $oL) (local.get $b))))))))
                  (local.set $pd
                    (i32.add (i32.add (local.get $dy) (i32.shl (local.get $co0) (i32.const 2)))
                      (i32.mul (local.get $ds)
                        (i32.mul (local.get $nb)
                          (i32.add
                            (i32.mul (i32.add (i32.mul (local.get $g) (local.get $OH)) (local.get $i)) (local.get $OW))
                            (local.get $j0))))))
                  (local.set $n (i32.mul (i32.sub (local.get $j1) (local.get $j0)) (local.get $nb)))
                  (loop $k
                    (local.set $x0 (v128.load (local.get $px)))
                    (local.set $x1 (v128.load offset=16 (local.get $px)))
                    (local.set $d (v128.load32_splat (local.get $pd)))
                    (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $x0) (local.get $d))))
                    (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $x1) (local.get $d))))
                    (local.set $d (v128.load32_splat offset=4 (local.get $pd)))
                    (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $x0) (local.get $d))))
                    (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $x1) (local.get $d))))
                    (local.set $d (v128.load32_splat offset=8 (local.get $pd)))
                    (local.set $c4 (f32x4.add (local.get $c4) (f32x4.mul (local.get $x0) (local.get $d))))
                    (local.set $c5 (f32x4.add (local.get $c5) (f32x4.mul (local.get $x1) (local.get $d))))
                    (local.set $d (v128.load32_splat offset=12 (local.get $pd)))
                    (local.set $c6 (f32x4.add (local.get $c6) (f32x4.mul (local.get $x0) (local.get $d))))
                    (local.set $c7 (f32x4.add (local.get $c7) (f32x4.mul (local.get $x1) (local.get $d))))
                    (local.set $px (i32.add (local.get $px) (local.get $step)))
                    (local.set $pd (i32.add (local.get $pd) (local.get $ds)))
                    (br_if $k (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
                  (br_if $runs (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $i1))))
                ;; out[a*tw + b, co0 + q, ci0 .. ci0 + 7] += the sums of output channel co0 + q
                (local.set $o
                  (i32.add (local.get $out)
                    (i32.shl
                      (i32.add
                        (i32.mul
                          (i32.add
                            (i32.mul (i32.add (i32.mul (local.get $a) (local.get $tw)) (local.get $b)) (local.get $Co))
                            (local.get $co0))
                          (local.get $Ci))
                        (local.get $ci0))
                      (i32.const 3))))
                (call $add8 (local.get $o) (local.get $c0) (local.get $c1))
                (local.set $o (i32.add (local.get $o) (local.get $os)))
                (call $add8 (local.get $o) (local.get $c2) (local.get $c3))
                (local.set $o (i32.add (local.get $o) (local.get $os)))
                (call $add8 (local.get $o) (local.get $c4) (local.get $c5))
                (local.set $o (i32.add (local.get $o) (local.get $os)))
                (call $add8 (local.get $o) (local.get $c6) (local.get $c7))
                (br_if $citiles
                  (i32.lt_u (local.tee $ci0 (i32.add (local.get $ci0) (i32.const 8))) (local.get $Ci))))
              (br_if $cotiles
                (i32.lt_u (local.tee $co0 (i32.add (local.get $co0) (i32.const 4))) (local.get $Co))))))
            (br_if $cols (i32.lt_u (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $tw))))
          (br_if $rows (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 1))) (local.get $th))))
        (br_if $blocks (i32.lt_s (local.tee $r0 (i32.add (local.get $r0) (local.get $R))) (local.get $OH))))
      (br_if $groups (i32.lt_u (local.tee $g (i32.add (local.get $g) (i32.const 1))) (local.get $G)))))

  ;; Per-channel sums over rows, for batch-norm statistics and gradients:
  ;;   s1[c] += sum over r < R of (u[r, c] - ku[c]),  s2[c] += sum of (u[r, c] - ku[c]) * (v[r, c] - kv[c])
  ;; u, v: float32 [R, C]; ku, kv: float32 [C]; s1, s2: float64 [C]. C % 4 == 0.
  ;; Rows go in tiles of 64 (a tile stays in the cache while its channel blocks are summed); within a
  ;; tile four channels are summed in float32x4, then added to s1 and s2 in float64.
  (func (export "channel_sums")
    (param $u i32) (param $v i32) (param $ku i32) (param $kv i32) (param $R i32) (param $C i32)
    (param $s1 i32) (param $s2 i32)
    (local $r0 i32) (local $rows i32) (local $c i32) (local $cs i32) (local $pu i32) (local $pv i32)
    (local $n i32) (local $a v128) (local $b v128) (local $ka v128) (local $kb v128) (local $d v128)
    (local.set $cs (i32.shl (local.get $C) (i32.const 2)))
    (loop $tiles
      (local.set $rows (call $min (i32.const 64) (i32.sub (local.get $R) (local.get $r0))))
      (local.set $c (i32.const 0))
      (loop $channels
        (local.set $ka (v128.load (i32.add (local.get $ku) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $kb (v128.load (i32.add (local.get $kv) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $a (v128.const i32x4 0 0 0 0))
        (local.set $b (v128.const i32x4 0 0 0 0))
        (local.set $pu
          (i32.add (local.get $u)
            (i32.shl (i32.add (i32.mul (local.get $r0) (local.get $C)) (local.get $c)) (i32.const 2))))
        (local.set $pv
          (i32.add (local.get $v)
            (i32.shl (i32.add (i32.mul (local.get $r0) (local.get $C)) (local.get $c)) (i32.const 2))))
        (local.set $n (local.get $rows))
        (loop $r
          (local.set $d (f32x4.sub (v128.load (local.get $pu)) (local.get $ka)))
          (local.set $a (f32x4.add (local.get $a) (local.get $d)))
          (local.set $b
            (f32x4.add (local.get $b) (f32x4.mul (local.get $d) (f32x4.sub (v128.load (local.get $pv)) (local.get $kb)))))
          (local.set $pu (i32.add (local.get $pu) (local.get $cs)))
          (local.set $pv (i32.add (local.get $pv) (local.get $cs)))
          (br_if $r (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (call $add4 (i32.add (local.get $s1) (i32.shl (local.get $c) (i32.const 3))) (local.get $a))
        (call $add4 (i32.add (local.get $s2) (i32.shl (local.get $c) (i32.const 3))) (local.get $b))
        (br_if $channels (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $C))))
      (br_if $tiles (i32.lt_s (local.tee $r0 (i32.add (local.get $r0) (i32.const 64))) (local.get $R)))))

  ;; PReLU's gradient: dx[r, c] = dy[r, c] where x[r, c] > 0, else alpha[c] * dy[r, c];
  ;; s[c] (float64) += sum over r of dy[r, c] * x[r, c] where x[r, c] <= 0.
  ;; x, dy, dx: float32 [R, C]; alpha: float32 [C]. C % 4 == 0. Tiled as channel_sums.
  (func (export "prelu_grad")
    (param $x i32) (param $dy i32) (param $alpha i32) (param $dx i32) (param $R i32) (param $C i32)
    (param $s i32)
    (local $r0 i32) (local $rows i32) (local $c i32) (local $cs i32) (local $off i32) (local $n i32)
    (local $al v128) (local $acc v128) (local $xv v128) (local $dv v128) (local $pos v128)
    (local.set $cs (i32.shl (local.get $C) (i32.const 2)))
    (loop $tiles
      (local.set $rows (call $min (i32.const 64) (i32.sub (local.get $R) (local.get $r0))))
      (local.set $c (i32.const 0))
      (loop $channels
        (local.set $al (v128.load (i32.add (local.get $alpha) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $off (i32.shl (i32.add (i32.mul (local.get $r0) (local.get $C)) (local.get $c)) (i32.const 2)))
        (local.set $n (local.get $rows))
        (loop $r
          (local.set $xv (v128.load (i32.add (local.get $x) (local.get $off))))
          (local.set $dv (v128.load (i32.add (local.get $dy) (local.get $off))))
          (local.set $pos (f32x4.gt (local.get $xv) (v128.const i32x4 0 0 0 0)))
          (v128.store (i32.add (local.get $dx) (local.get $off))
            (v128.bitselect (local.get $dv) (f32x4.mul (local.get $al) (local.get $dv)) (local.get $pos)))
          (local.set $acc
            (f32x4.add (local.get $acc) (v128.andnot (f32x4.mul (local.get $dv) (local.get $xv)) (local.get $pos))))
          (local.set $off (i32.add (local.get $off) (local.get $cs)))
          (br_if $r (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
        (call $add4 (i32.add (local.get $s) (i32.shl (local.get $c) (i32.const 3))) (local.get $acc))
        (br_if $channels (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $C))))
      (br_if $tiles (i32.lt_s (local.tee $r0 (i32.add (local.get $r0) (i32.const 64))) (local.get $R)))))

  ;; out[r, c] = u[r, c] * p[c] + v[r, c] * q[c] + w[c] for r < R: float32 [R, C] and [C], C % 4 == 0.
  (func (export "affine")
    (param $u i32) (param $v i32) (param $p i32) (param $q i32) (param $w i32) (param $out i32)
    (param $R i32) (param $C i32)
    (local $r i32) (local $c i32) (local $off i32) (local $k i32)
    (loop $rows
      (local.set $c (i32.const 0))
      (loop $channels
        (local.set $k (i32.shl (local.get $c) (i32.const 2)))
        (v128.store (i32.add (local.get $out) (local.get $off))
          (f32x4.add
            (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $u) (local.get $off))) (v128.load (i32.add (local.get $p) (local.get $k))))
              (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $off))) (v128.load (i32.add (local.get $q) (local.get $k)))))
            (v128.load (i32.add (local.get $w) (local.get $k)))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br_if $channels (i32.lt_u (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $C))))
      (br_if $rows (i32.lt_u (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $R)))))

  ;; out[0 .. 4) (float64) += the four floats of v
  (func $add4 (param $o i32) (param $v v128)
    (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o)) (f64x2.promote_low_f32x4 (local.get $v))))
    (v128.store offset=16 (local.get $o)
      (f64x2.add (v128.load offset=16 (local.get $o)) (f64x2.promote_low_f32x4 (call $high (local.get $v))))))

  ;; out[0 .. 8) (float64) += the four floats of lo, then the four of hi
  (func $add8 (param $o i32) (param $lo v128) (param $hi v128)
    (call $add4 (local.get $o) (local.get $lo))
    (call $add4 (i32.add (local.get $o) (i32.const 32)) (local.get $hi)))

  ;; lanes 2 and 3 of v moved to lanes 0 and 1
  (func $high (param $v v128) (result v128)
    (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))

  (func $min (param $p i32) (param $q i32) (result i32)
    (select (local.get $p) (local.get $q) (i32.lt_s (local.get $p) (local.get $q))))

  ;; ceil(v / s) and floor(v / s) for s > 0 (i32.div_s rounds toward zero)
  (func $ceildiv (param $v i32) (param $s i32) (result i32)
    (if (result i32) (i32.gt_s (local.get $v) (i32.const 0))
      (then (i32.div_s (i32.sub (i32.add (local.get $v) (local.get $s)) (i32.const 1)) (local.get $s)))
      (else (i32.div_s (local.get $v) (local.get $s)))))

  (func $floordiv (param $v i32) (param $s i32) (result i32)
    (if (result i32) (i32.ge_s (local.get $v) (i32.const 0))
      (then (i32.div_s (local.get $v) (local.get $s)))
      (else (i32.sub (i32.const 0) (i32.div_s (i32.sub (i32.add (i32.sub (i32.const 0) (local.get $v)) (local.get $s)) (i32.const 1)) (local.get $s))))))

  (func $max (param $p i32) (param $q i32) (result i32)
    (select (local.get $p) (local.get $q) (i32.gt_s (local.get $p) (local.get $q)))))
