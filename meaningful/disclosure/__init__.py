"""Disclosure control for published counts: policy, protection and the attacker's audit.

Pure Python (no Django): `tables` describes linked tables over one set of records, `protect`
applies a policy (rounding or suppression), `audit` works out what readers could deduce.
"""
