(* Extracts the bridge table to OCaml (bridge.ml, in the directory coqc runs in). Coq's own
   binary integers are extracted as they are, so no arithmetic is trusted to OCaml's. *)
From Coq Require Extraction.
From Poolproof Require Import Bridge.
Extraction Language OCaml.
Extraction "bridge.ml" bridge_table.
