(* Sufficiency: the windows and output counts of each branch's witnesses, for any n and m. *)
From Coq Require Import ZArith Lia Bool.
From Poolproof Require Import Zfacts Semantics Windows Geometry.
Open Scope Z_scope.

(** * The windows each witness reads *)

(** m | n, n = q*m: kernel q, stride q (any stride when m = 1), no padding. *)
Lemma fits_divisible (q m s : Z) :
  1 <= m -> 1 <= q -> (m = 1 \/ s = q) -> fits (q * m) m q s 0.
Proof.
  intros Hm Hq Hs o Ho. destruct (windows_divisible q m o Hm ltac:(lia)) as [-> ->].
  assert (o * s = o * q) by (destruct Hs as [-> | ->]; [replace o with 0 by lia|]; ring).
  nia.
Qed.

(** n = q*m + 1: kernel q + 1, stride q, no padding. *)
Lemma fits_remainder_one (q m : Z) : 1 <= m -> 1 <= q -> fits (q * m + 1) m (q + 1) q 0.
Proof.
  intros Hm Hq o Ho. destruct (windows_remainder_one q m o Hm Ho) as [-> ->]. nia.
Qed.

(** n = Q*m - 1: kernel Q + 1, stride Q, one padded input before. *)
Lemma fits_remainder_minus (q m : Z) :
  2 <= m -> 1 <= q -> fits (q * m - 1) m (q + 1) q 1.
Proof.
  intros Hm Hq o Ho.
  destruct (Z.eq_dec o 0) as [-> | Ho0].
  - rewrite start_index_first, (end_remainder_minus q m 0) by lia. nia.
  - rewrite (start_remainder_minus q m o) by lia.
    destruct (Z.eq_dec o (m - 1)) as [-> | Hlast].
    + rewrite end_index_last by lia. nia.
    + rewrite (end_remainder_minus q m o) by lia. nia.
Qed.

(** n = 1 (ONNX): kernel m, stride 1, m - 1 padded inputs before. *)
Lemma fits_input_one (m : Z) : 1 <= m -> fits 1 m m 1 (m - 1).
Proof.
  intros Hm o Ho. destruct (windows_input_one m o Hm Ho) as [-> ->]. lia.
Qed.

(** * Output counts of explicit pads *)

Lemma explicit_fields (n k s d pb pe : Z) (c : bool) :
  let g := explicit_pads_geometry n k s d pb pe c in
  g_kernel g = k /\ g_stride g = s /\ g_dilation g = d /\ g_pad_begin g = pb /\
  g_pad_end g = pe /\ g_divide_by_padded g = false.
Proof. repeat split. Qed.

(** The span n + pads - d*(k-1) - 1 is exactly (m-1) strides and the last window starts inside
    the input: m outputs with or without ceil_mode. *)
Lemma count_exact (n k s d pb pe m : Z) (c : bool) :
  1 <= s -> 1 <= m -> n + pb + pe - d * (k - 1) - 1 = (m - 1) * s -> (m - 1) * s < n + pb ->
  g_count (explicit_pads_geometry n k s d pb pe c) = m.
Proof.
  intros Hs Hm Hspan Hlast. unfold explicit_pads_geometry, floor_div. cbn.
  rewrite Hspan. rewrite (div_eq ((m - 1) * s) s (m - 1)) by nia.
  rewrite (ceil_eq ((m - 1) * s) s (m - 1)) by nia.
  destruct c; cbn; destruct_ifs; lia.
Qed.

(** The span falls short of (m-1) strides by less than one: m outputs with ceil_mode. *)
Lemma count_ceil (n k s d pb pe m j : Z) :
  1 <= m -> 0 < j < s -> n + pb + pe - d * (k - 1) - 1 = (m - 1) * s - j ->
  (m - 1) * s < n + pb ->
  g_count (explicit_pads_geometry n k s d pb pe true) = m.
Proof.
  intros Hm Hj Hspan Hlast. unfold explicit_pads_geometry. cbn.
  rewrite Hspan. rewrite (ceil_eq ((m - 1) * s - j) s (m - 1)) by nia.
  destruct_ifs; lia.
Qed.

(** ... and m - 1 without it. *)
Lemma count_floor_short (n k s d pb pe m j : Z) :
  1 <= m -> 0 < j <= s -> n + pb + pe - d * (k - 1) - 1 = (m - 1) * s - j ->
  g_count (explicit_pads_geometry n k s d pb pe false) = m - 1.
Proof.
  intros Hm Hj Hspan. unfold explicit_pads_geometry, floor_div. cbn.
  rewrite Hspan. rewrite (div_eq ((m - 1) * s - j) s (m - 2)) by nia. lia.
Qed.

(** Any count is at most ceil(span/s) + 1, and exactly floor(span/s) + 1 without ceil_mode. *)
Lemma count_upper (n k s d pb pe : Z) (c : bool) :
  1 <= s ->
  g_count (explicit_pads_geometry n k s d pb pe c) <=
  ceil_div (n + pb + pe - d * (k - 1) - 1) s + 1.
Proof.
  intros Hs. unfold explicit_pads_geometry, floor_div. cbn.
  set (x := n + pb + pe - d * (k - 1) - 1).
  pose proof (div_bounds x s ltac:(lia)). pose proof (ceil_bounds x s ltac:(lia)).
  destruct c; cbn; destruct_ifs; nia.
Qed.

(** * Divisors *)

(** Without left padding, the padded divisor of a fitting window is its length when nothing
    is padded on the right either. *)
Lemma divisor_padded_no_pads (n m : Z) (g : pool_geometry) (o : Z) :
  0 <= o < m -> 0 <= g_stride g -> g_pad_begin g = 0 -> g_pad_end g = 0 ->
  g_divide_by_padded g = true -> fits n m (g_kernel g) (g_stride g) (g_pad_begin g) ->
  geometry_avg_divisor n g o = end_index o n m - start_index o n m.
Proof.
  intros Ho Hs Hb He Hp Hfit. unfold geometry_avg_divisor. rewrite Hp, Hb, He.
  destruct (Hfit o Ho) as [H1 H2]. rewrite Hb in H1, H2. nia.
Qed.

(** A geometry without dilation reproduces adaptive pooling when it has m outputs, fits the
    windows, and either counts only what it reads or has no pads. *)
Lemma reproduces_of_fits (n m : Z) (g : pool_geometry) (kind : pool_kind) :
  1 <= n -> 1 <= m -> g_dilation g = 1 -> 1 <= g_kernel g -> 0 <= g_stride g ->
  g_count g = m -> fits n m (g_kernel g) (g_stride g) (g_pad_begin g) ->
  (g_divide_by_padded g = false \/ (g_pad_begin g = 0 /\ g_pad_end g = 0)) ->
  reproduces n m g kind.
Proof.
  intros Hn Hm Hd Hk Hs Hc Hfit Hdiv. apply fits_reproduces; auto.
  intros _ o Ho. destruct (g_divide_by_padded g) eqn:Hp.
  - destruct Hdiv as [Hdiv | [Hb He]]; [discriminate|].
    now apply divisor_padded_no_pads.
  - now apply divisor_unpadded.
Qed.

(** With stride 1: at most n + pads - d*(k-1) outputs. *)
Lemma count_upper_stride_one (n k d pb pe : Z) (c : bool) :
  g_count (explicit_pads_geometry n k 1 d pb pe c) <= n + pb + pe - d * (k - 1).
Proof.
  pose proof (count_upper n k 1 d pb pe c ltac:(lia)) as H. rewrite ceil_div_1 in H. lia.
Qed.

Section ExplicitFields.
Variables (n k s d pb pe : Z) (c : bool).
Lemma explicit_kernel : g_kernel (explicit_pads_geometry n k s d pb pe c) = k.
Proof. reflexivity. Qed.
Lemma explicit_stride : g_stride (explicit_pads_geometry n k s d pb pe c) = s.
Proof. reflexivity. Qed.
Lemma explicit_dilation : g_dilation (explicit_pads_geometry n k s d pb pe c) = d.
Proof. reflexivity. Qed.
Lemma explicit_pad_begin : g_pad_begin (explicit_pads_geometry n k s d pb pe c) = pb.
Proof. reflexivity. Qed.
Lemma explicit_pad_end : g_pad_end (explicit_pads_geometry n k s d pb pe c) = pe.
Proof. reflexivity. Qed.
Lemma explicit_padded : g_divide_by_padded (explicit_pads_geometry n k s d pb pe c) = false.
Proof. reflexivity. Qed.
End ExplicitFields.

Ltac explicit_simpl :=
  rewrite ?explicit_kernel, ?explicit_stride, ?explicit_dilation, ?explicit_pad_begin,
    ?explicit_pad_end, ?explicit_padded.
