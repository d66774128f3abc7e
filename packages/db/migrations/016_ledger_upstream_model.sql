-- Model aliases ([models] aliases): `model` keeps the name the client asked for, `upstream_model`
-- the name the request was sent upstream with ('' when the two are the same, and for older rows).
ALTER TABLE usage_ledger ADD COLUMN upstream_model text NOT NULL DEFAULT '';
