-- What the run that froze a month knew: its inputs, the pipeline that ran, the contract version it read, its report.
SELECT input_files, pipeline_fingerprint, contract_version, report_path FROM wh.meta.runs WHERE run_id = $run_id;
