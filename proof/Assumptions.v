(* The main theorems and what they rest on: proof/check_assumptions.sh runs this file and fails
   unless each answer is "Closed under the global context" (no axiom, no admitted lemma). *)
From Poolproof Require Import Necessity PyTorch ONNX TFLite ND NDWitness.

(* Any geometry, n >= 2: a reproducing layer forces a branch. *)
Print Assumptions geometry_necessity.
(* PyTorch *)
Print Assumptions pytorch_exists_iff.
Print Assumptions pytorch_witness_reproduces.
Print Assumptions pytorch_witness_least.
Print Assumptions pytorch_flags_exists_iff.
Print Assumptions pytorch_ceil_mode_irrelevant.
Print Assumptions pytorch_avg_iff_max.
Print Assumptions pytorch_count_include_pad_iff.
(* ONNX *)
Print Assumptions onnx_exists_iff.
Print Assumptions onnx_witness_reproduces.
Print Assumptions onnx_witness_least.
Print Assumptions onnx_flags_exists_iff.
Print Assumptions onnx_ceil_mode_irrelevant.
Print Assumptions onnx_avg_iff_max.
Print Assumptions onnx_count_include_pad_iff.
(* TFLite *)
Print Assumptions tflite_exists_iff.
Print Assumptions tflite_witness_reproduces.
Print Assumptions tflite_witness_least.
Print Assumptions tflite_valid_exists_iff.
Print Assumptions tflite_same_exists_iff.
(* N-D *)
Print Assumptions nd_closed_form_decides.
Print Assumptions nd_decision_unique.
Print Assumptions nd_witnesses_least.
