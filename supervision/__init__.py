"""Supervision and transparency (SPEC §10): the dashboards (V1), and later the democratic review, the eight
disclosures, complaints and the suggestion box. It sits at the top of the import chain and may read every app;
no app imports it; the root URLconf mounts its urls."""
