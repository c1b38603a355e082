(* Leastness, on geometries: what a reproducing geometry's kernel, stride and pad_begin must be
   at least, branch by branch, and why counting the padding fails once pad_begin > 0. *)
From Coq Require Import ZArith Lia Bool.
From Poolproof Require Import Zfacts Semantics Windows Geometry Necessity.
Open Scope Z_scope.

Section Reproducing.
Variables (n m : Z) (g : pool_geometry) (kind : pool_kind).
Hypotheses (Hn : 1 <= n) (Hm : 1 <= m) (Hk : 1 <= g_kernel g) (Hs : 1 <= g_stride g)
           (Hd : 1 <= g_dilation g) (Hrep : reproduces n m g kind).

(** A window starting at 0 has its first tap at or left of 0. *)
Lemma first_tap_le_zero (o : Z) : 0 <= o < m -> start_index o n m = 0 -> first_tap g o <= 0.
Proof.
  intros Ho H0. destruct Hrep as [_ H].
  pose proof (output_matches_indices n m g kind o Hn Hm Ho (H o Ho)) as (Hc & Hf & _).
  pose proof (adaptive_window_bounds n m o Hn Hm Ho).
  pose proof (indices_facts n g o Hd Hk) as (_ & _ & Hp).
  destruct (Hp ltac:(lia)) as (? & _). lia.
Qed.

(** Fitting windows follow once some window holds two inputs (so d = 1) or k = 1. *)
Lemma fits_of_long_window (o : Z) :
  0 <= o < m -> (2 <= end_index o n m - start_index o n m \/ g_kernel g = 1) ->
  fits n m (g_kernel g) (g_stride g) (g_pad_begin g).
Proof.
  intros Ho Hlong. apply (reproduces_fits n m g kind); auto.
  destruct Hlong as [Hlong | Hk1]; [left | right]; auto.
  now apply (long_window_undilated n m g kind o).
Qed.

(** m | n, n = q*m: k >= q; with k = q and m >= 2, stride q and no left padding. *)
Lemma least_divisible (q : Z) :
  1 <= q -> n = q * m ->
  q <= g_kernel g /\ (g_kernel g = q -> 2 <= m -> g_stride g = q /\ g_pad_begin g = 0).
Proof.
  intros Hq En. destruct (windows_divisible q m 0 Hm ltac:(lia)) as [E0 E0'].
  rewrite <- En in E0, E0'.
  pose proof (window_length_le_kernel n m g kind 0 Hn Hm Hk Hd ltac:(lia) Hrep).
  split; [lia|]. intros Hkq Hm2.
  assert (Hfit : fits n m (g_kernel g) (g_stride g) (g_pad_begin g)).
  { apply (fits_of_long_window 0); [lia|]. nia. }
  destruct (Hfit 0 ltac:(lia)) as [A0 B0]. destruct (Hfit 1 ltac:(lia)) as [A1 _].
  destruct (windows_divisible q m 1 Hm ltac:(lia)) as [E1 _]. rewrite <- En in E1.
  rewrite E0 in A0. rewrite E0' in B0. rewrite E1 in A1. nia.
Qed.

(** n = q*m + 1, m >= 2: k >= q + 1; with k = q + 1, stride q and no left padding. *)
Lemma least_remainder_one (q : Z) :
  1 <= q -> 2 <= m -> n = q * m + 1 ->
  q + 1 <= g_kernel g /\ (g_kernel g = q + 1 -> g_stride g = q /\ g_pad_begin g = 0).
Proof.
  intros Hq Hm2 En. destruct (windows_remainder_one q m 0 Hm ltac:(lia)) as [E0 E0'].
  rewrite <- En in E0, E0'.
  pose proof (window_length_le_kernel n m g kind 0 Hn Hm Hk Hd ltac:(lia) Hrep).
  split; [lia|]. intros Hkq.
  assert (Hfit : fits n m (g_kernel g) (g_stride g) (g_pad_begin g)).
  { apply (fits_of_long_window 0); [lia|]. lia. }
  destruct (Hfit 0 ltac:(lia)) as [A0 B0]. destruct (Hfit 1 ltac:(lia)) as [A1 _].
  destruct (windows_remainder_one q m 1 Hm ltac:(lia)) as [E1 _]. rewrite <- En in E1.
  rewrite E0 in A0. rewrite E0' in B0. rewrite E1 in A1. nia.
Qed.

(** n = Q*m - 1, m >= 3: k >= Q + 1; with k = Q + 1, stride Q and one padded input. *)
Lemma least_remainder_minus (q : Z) :
  1 <= q -> 3 <= m -> n = q * m - 1 ->
  q + 1 <= g_kernel g /\ (g_kernel g = q + 1 -> g_stride g = q /\ g_pad_begin g = 1).
Proof.
  intros Hq Hm3 En.
  pose proof (start_remainder_minus q m 1 Hm ltac:(lia)) as E1.
  pose proof (end_remainder_minus q m 1 Hm ltac:(lia) ltac:(lia)) as E1'.
  pose proof (start_remainder_minus q m 2 Hm ltac:(lia)) as E2.
  rewrite <- En in E1, E1', E2.
  pose proof (window_length_le_kernel n m g kind 1 Hn Hm Hk Hd ltac:(lia) Hrep).
  split; [lia|]. intros Hkq.
  assert (Hfit : fits n m (g_kernel g) (g_stride g) (g_pad_begin g)).
  { apply (fits_of_long_window 1); [lia|]. lia. }
  destruct (Hfit 1 ltac:(lia)) as [A1 B1]. destruct (Hfit 2 ltac:(lia)) as [A2 _].
  rewrite E1 in A1. rewrite E1' in B1. rewrite E2 in A2. nia.
Qed.

(** n = Q*m - 1, m >= 3: whatever the kernel, window 1 starts at Q - 1 and window 2 at
    2Q - 1, which forces a padded input before the first window. *)
Lemma remainder_minus_padded (q : Z) :
  1 <= q -> 3 <= m -> n = q * m - 1 -> 1 <= g_pad_begin g.
Proof.
  intros Hq Hm3 En.
  pose proof (start_remainder_minus q m 1 Hm ltac:(lia)) as E1.
  pose proof (end_remainder_minus q m 1 Hm ltac:(lia) ltac:(lia)) as E1'.
  pose proof (start_remainder_minus q m 2 Hm ltac:(lia)) as E2.
  rewrite <- En in E1, E1', E2.
  assert (Hfit : fits n m (g_kernel g) (g_stride g) (g_pad_begin g)).
  { apply (fits_of_long_window 1); [lia|]. lia. }
  destruct (Hfit 1 ltac:(lia)) as [A1 _]. destruct (Hfit 2 ltac:(lia)) as [A2 _].
  rewrite E1 in A1. rewrite E2 in A2. nia.
Qed.

(** 1 -> 2: two windows [0, 1), so k >= 2 and pad_begin >= stride. *)
Lemma least_one_to_two : n = 1 -> m = 2 -> 2 <= g_kernel g /\ g_stride g <= g_pad_begin g.
Proof.
  intros En Em.
  pose proof (first_tap_le_zero 1 ltac:(lia) ltac:(apply start_index_eq; lia)) as T1.
  unfold first_tap in T1. split; [|lia].
  destruct (Z.eq_dec (g_kernel g) 1) as [Hk1 | Hk1]; [|lia].
  assert (Hfit : fits n m (g_kernel g) (g_stride g) (g_pad_begin g)).
  { apply (fits_of_long_window 0); [lia | now right]. }
  destruct (Hfit 0 ltac:(lia)) as [_ B0]. destruct (Hfit 1 ltac:(lia)) as [_ B1].
  rewrite En, Em, Hk1 in B0, B1.
  rewrite (end_index_eq 0 1 2 1) in B0 by lia. rewrite (end_index_eq 1 1 2 1) in B1 by lia.
  lia.
Qed.

(** n = 1: every window starts at 0, so the last one's first tap (m-1)*s - pb is at most 0. *)
Lemma least_input_one : n = 1 -> (m - 1) * g_stride g <= g_pad_begin g.
Proof.
  intros En.
  pose proof (first_tap_le_zero (m - 1) ltac:(lia) ltac:(apply start_index_eq; nia)) as T.
  unfold first_tap in T. lia.
Qed.

End Reproducing.

(** Counting the padding: window 0 starts at -pad_begin, so with pad_begin > 0 its divisor
    counts padded taps that it does not read. *)
Lemma padded_divisor_needs_no_pad (n m : Z) (g : pool_geometry) :
  1 <= n -> 1 <= m -> g_dilation g = 1 -> 1 <= g_kernel g -> 0 <= g_pad_end g ->
  g_divide_by_padded g = true -> reproduces n m g avg -> g_pad_begin g <= 0.
Proof.
  intros Hn Hm Hd Hk He Hp [_ H].
  pose proof (H 0 ltac:(lia)) as H0.
  pose proof (output_matches_divisor n m g 0 H0) as Hdiv.
  apply output_matches_indices in H0 as (Hc & _); try lia.
  pose proof (indices_undilated n g 0 Hd Hk) as (_ & Hc' & _).
  pose proof (adaptive_window_bounds n m 0 Hn Hm ltac:(lia)).
  unfold geometry_avg_divisor, first_tap in *. rewrite Hp in Hdiv. cbn zeta in *.
  rewrite start_index_first in * by lia. nia.
Qed.
