(* Necessity for inputs of two or more, for any family: a geometry that reproduces adaptive
   pooling n -> m forces m | n, n = 1 (mod m) with n > m, or n = -1 (mod m). *)
From Coq Require Import ZArith Lia.
From Poolproof Require Import Zfacts Semantics Windows Geometry.
Open Scope Z_scope.

(** The closed form's condition (docs/theorem.md), one disjunct per branch. *)
Definition branch_holds (n m : Z) : Prop :=
  n mod m = 0 \/ (m < n /\ n mod m = 1) \/ n mod m = m - 1.

(** Step 3 of the paper proof, n > m >= 3: windows 1 and m - 1 start unclipped, (m-2) strides
    apart, which leaves r = n mod m only 0, 1 or m - 1. *)
Lemma fits_above (n m k s pb : Z) :
  3 <= m -> m < n -> fits n m k s pb -> branch_holds n m.
Proof.
  intros Hm Hnm Hfit. unfold branch_holds.
  pose proof (Z.div_mod n m ltac:(lia)) as Hqr. pose proof (Z.mod_pos_bound n m ltac:(lia)).
  set (q := n / m) in *. set (r := n mod m) in *.
  assert (Hq : 1 <= q) by nia.
  destruct (Hfit 1 ltac:(lia)) as [H1 _].
  rewrite (start_index_eq 1 n m q) in H1 by nia.
  destruct (Hfit (m - 1) ltac:(lia)) as [H2 _].
  pose proof (start_index_bounds (m - 1) n m ltac:(lia)) as HA.
  set (A := start_index (m - 1) n m) in *.
  assert (HA1 : 1 <= A) by nia.
  assert (Es : s - pb = q) by lia.
  assert (EA : (m - 1) * s - pb = A) by lia.
  set (t := s - q).
  assert (Et : A = (m - 1) * q + (m - 2) * t) by (subst t; nia).
  rewrite Et in HA. clear EA Et H1 H2 HA1 Hfit.
  assert (Hlo : m * (m - 2) * t <= (m - 1) * r) by nia.
  assert (Hhi : (m - 1) * r < m * (m - 2) * t + m) by nia.
  assert (Ht : t = 0 \/ t = 1).
  { assert (t <= 1).
    { destruct (Z.le_gt_cases t 1); [lia|].
      assert (m * (m - 2) * t >= m * (m - 2) * 2) by nia.
      assert ((m - 1) * r <= (m - 1) * (m - 1)) by nia. nia. }
    assert (0 <= t).
    { destruct (Z.le_gt_cases 0 t); [lia|].
      assert (m * (m - 2) * t <= - (m * (m - 2))) by nia. nia. }
    lia. }
  destruct Ht as [-> | ->].
  - destruct (Z.eq_dec r 0); [left; lia|].
    assert (r = 1) by nia. right; left; lia.
  - assert (r >= m - 1) by nia. right; right; lia.
Qed.

(** Step 4, 2 <= n < m: windows c = ceil(m/n) and m - 1 start unclipped, and the m - c strides
    between them fit in n - 1 inputs only when m = n + 1. *)
Lemma fits_below (n m k s pb : Z) :
  2 <= n -> n < m -> 1 <= s -> fits n m k s pb -> branch_holds n m.
Proof.
  intros Hn Hnm Hs Hfit. unfold branch_holds.
  pose proof (div_bounds (m + n - 1) n ltac:(lia)) as Hc.
  set (c := (m + n - 1) / n) in *.
  assert (Hc2 : 2 <= c) by nia.
  assert (Hcm : c <= m - 1) by nia.
  destruct (Hfit c ltac:(lia)) as [H1 _].
  pose proof (start_index_bounds c n m ltac:(lia)) as HA.
  set (A := start_index c n m) in *.
  assert (HA1 : 1 <= A) by nia.
  destruct (Hfit (m - 1) ltac:(lia)) as [H2 _].
  rewrite (start_index_eq (m - 1) n m (n - 1)) in H2 by nia.
  assert (E : (m - 1 - c) * s = n - 1 - A) by lia.
  assert (m - 1 - c <= (m - 1 - c) * s) by nia.
  assert (c <= 2) by nia.
  assert (m = n + 1) by nia.
  right; right. rewrite Z.mod_small; lia.
Qed.

(** Steps 3 and 4 together: for n >= 2 fitting windows force a branch. *)
Lemma fits_necessity (n m k s pb : Z) :
  2 <= n -> 1 <= m -> 1 <= s -> fits n m k s pb -> branch_holds n m.
Proof.
  intros Hn Hm Hs Hfit. unfold branch_holds.
  destruct (Z.lt_total m 3) as [Hm3 | Hm3].
  - assert (m = 1 \/ m = 2) as [-> | ->] by lia.
    + left. apply Z.mod_1_r.
    + pose proof (Z.mod_pos_bound n 2 ltac:(lia)). lia.
  - destruct (Z.lt_total n m) as [Hnm | [-> | Hnm]].
    + eapply fits_below; eauto.
    + left. apply Z.mod_same. lia.
    + eapply fits_above; eauto; lia.
Qed.

(** Every output reads at most k inputs. *)
Lemma window_length_le_kernel (n m : Z) (g : pool_geometry) (kind : pool_kind) (o : Z) :
  1 <= n -> 1 <= m -> 1 <= g_kernel g -> 1 <= g_dilation g -> 0 <= o < m ->
  reproduces n m g kind -> end_index o n m - start_index o n m <= g_kernel g.
Proof.
  intros Hn Hm Hk Hd Ho [_ H].
  pose proof (output_matches_indices n m g kind o Hn Hm Ho (H o Ho)) as (Hc & _).
  pose proof (indices_facts n g o Hd Hk) as (_ & Hc' & _). lia.
Qed.

(** A window of two or more inputs is contiguous, so a dilated kernel reads it only with
    dilation 1. *)
Lemma long_window_undilated (n m : Z) (g : pool_geometry) (kind : pool_kind) (o : Z) :
  1 <= n -> 1 <= m -> 1 <= g_kernel g -> 1 <= g_dilation g -> 0 <= o < m ->
  reproduces n m g kind -> 2 <= end_index o n m - start_index o n m -> g_dilation g = 1.
Proof.
  intros Hn Hm Hk Hd Ho [_ H] Hlen.
  pose proof (output_matches_indices n m g kind o Hn Hm Ho (H o Ho)) as (Hc & _ & Hstep).
  pose proof (indices_facts n g o Hd Hk) as (Hs & _). lia.
Qed.

(** Step 2: with k, d >= 2 every window is one input, so m = c*n; windows 0, 1, c-1, c then
    make d divide both s and s - 1. For n >= 2 only c = 1 remains. *)
Lemma dilated_necessity (n m : Z) (g : pool_geometry) (kind : pool_kind) :
  2 <= n -> 1 <= m -> 2 <= g_kernel g -> 2 <= g_dilation g -> 1 <= g_stride g ->
  reproduces n m g kind -> n = m.
Proof.
  intros Hn Hm Hk Hd Hs Hrep.
  assert (Hone : forall o, 0 <= o < m -> end_index o n m - start_index o n m = 1).
  { intros o Ho. pose proof (adaptive_window_bounds n m o ltac:(lia) Hm Ho).
    destruct (Z.le_gt_cases 2 (end_index o n m - start_index o n m)); [|lia].
    pose proof (long_window_undilated n m g kind o ltac:(lia) Hm ltac:(lia) ltac:(lia) Ho Hrep H0).
    lia. }
  assert (Hnm : n <= m).
  { specialize (Hone 0 ltac:(lia)). rewrite start_index_first in Hone by lia.
    pose proof (end_index_bounds 0 n m ltac:(lia)). nia. }
  pose proof (div_bounds m n ltac:(lia)) as Hj. set (c := m / n) in *.
  assert (Hc1 : 1 <= c) by nia.
  assert (Hcm : c < m) by nia.
  destruct (Z.eq_dec (n * c) m) as [Hdiv | Hdiv].
  2:{ (* window c: starts at 0, ends at 2 *)
    specialize (Hone c ltac:(lia)).
    rewrite (start_index_eq c n m 0) in Hone by nia.
    pose proof (end_index_bounds c n m ltac:(lia)). nia. }
  destruct (Z.eq_dec c 1); [nia|].
  destruct Hrep as [Hcount H].
  assert (Hfirst : forall o, 0 <= o < m -> exists t,
             start_index o n m = o * g_stride g - g_pad_begin g + t * g_dilation g).
  { intros o Ho.
    pose proof (output_matches_indices n m g kind o ltac:(lia) Hm Ho (H o Ho)) as (Hc & Hf & _).
    pose proof (indices_facts n g o ltac:(lia) ltac:(lia)) as (_ & _ & Hp).
    specialize (Hone o Ho).
    destruct (Hp ltac:(lia)) as (_ & _ & _ & _ & [t Ht] & _).
    exists t. unfold first_tap in Ht. lia. }
  destruct (Hfirst 0 ltac:(lia)) as [t0 E0].
  destruct (Hfirst 1 ltac:(lia)) as [t1 E1].
  destruct (Hfirst (c - 1) ltac:(lia)) as [t2 E2].
  destruct (Hfirst c ltac:(lia)) as [t3 E3].
  rewrite start_index_first in E0 by lia.
  rewrite (start_index_eq 1 n m 0) in E1 by nia.
  rewrite (start_index_eq (c - 1) n m 0) in E2 by nia.
  rewrite (start_index_eq c n m 1) in E3 by nia.
  assert (g_dilation g * (t0 - t1 - t2 + t3) = 1) by nia.
  destruct (Z.le_gt_cases (t0 - t1 - t2 + t3) 0); nia.
Qed.

(** Necessity for n >= 2, any geometry with kernel, stride, dilation >= 1. *)
Theorem geometry_necessity (n m : Z) (g : pool_geometry) (kind : pool_kind) :
  2 <= n -> 1 <= m -> 1 <= g_kernel g -> 1 <= g_stride g -> 1 <= g_dilation g ->
  reproduces n m g kind -> branch_holds n m.
Proof.
  intros Hn Hm Hk Hs Hd Hrep.
  destruct (Z.eq_dec (g_dilation g) 1) as [Hd1 | Hd1];
    [|destruct (Z.eq_dec (g_kernel g) 1) as [Hk1 | Hk1]].
  - apply (fits_necessity n m (g_kernel g) (g_stride g) (g_pad_begin g)); auto.
    apply (reproduces_fits n m g kind); auto; lia.
  - apply (fits_necessity n m (g_kernel g) (g_stride g) (g_pad_begin g)); auto.
    apply (reproduces_fits n m g kind); auto; lia.
  - pose proof (dilated_necessity n m g kind Hn Hm ltac:(lia) ltac:(lia) Hs Hrep).
    left. subst. apply Z.mod_same. lia.
Qed.
