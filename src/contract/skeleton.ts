// The files `streamflow init` writes (flow/project-files.ts): a project file, an ODCS
// contract with one small table, and a month of that table that passes it, so that the
// first `ingest month_000` succeeds and every file shows where to go on from.

export interface SkeletonFile {
  /** Relative to the project's folder, with / between folders. */
  readonly path: string;
  readonly text: string;
}

/** The files of a new project named `name` (a plain name), month_000 as of `firstAsOf` (a month's last day, not in the future). */
export function skeletonFiles(name: string, firstAsOf: string): SkeletonFile[] {
  const contract = `contracts/${name}.odcs.yaml`;
  return [
    { path: 'streamflow.yaml', text: projectText(name, contract, firstAsOf) },
    { path: contract, text: contractText(name) },
    { path: 'seeds/month_000/customers.csv', text: SEED_CSV },
  ];
}

function projectText(name: string, contract: string, firstAsOf: string): string {
  return `# The ${name} project: what streamflow reads at start. Paths are relative to this file's
# folder. \`streamflow contract check\` lists what the contract compiles to; every key and its
# default is documented in streamflow's src/contract/project.ts.
name: ${name}
contract: ${contract}
# The month folders (month_000/, month_001/, …), each holding one CSV per table of the contract.
seeds: seeds
# Where the live tables, the frozen snapshots and the run reports go.
warehouse: warehouse

calendar:
  # as_of of month_000 (a month's last day); month_NNN is the month end NNN months later.
  first_as_of: "${firstAsOf}"

# What every training row is labelled with: a column of a table, outside its key. That
# table's key is the entity every training row and online lookup is about.
label:
  table: customers
  column: churned
  ttl: 31d

# The features a training set carries: by default one view per table keyed by the entity,
# other than the label's table, with all its columns. Name them here once there are some:
# feature_views:
#   - name: usage
#     table: usage
#     features: all
#     ttl: 31d
#     default: true

# How far a month may move from the previous one before a warning or an error; every
# bound has a default (row_count_ratio, key_churn, psi, mean_ratio, label_mean_ratio,
# null_share_increase, new_values).
# drift:
#   row_count_ratio: { warn: 1.1, error: 2, reason: a tenth more or fewer customers is worth a look }
`;
}

function contractText(name: string): string {
  return `# The ${name} data contract, in the Open Data Contract Standard (ODCS v3.1,
# https://bitol-io.github.io/open-data-contract-standard/). One table per CSV file of a
# month folder, its properties in the file's column order. streamflow derives the checks
# every table gets (columns, key, NULLs, types, month-over-month drift) and adds the
# quality rules written here. To draft a contract from a month of your own exports:
#   streamflow contract infer <month folder> --out contracts/<name>.odcs.yaml
apiVersion: v3.1.0
kind: DataContract
id: ${name}
name: ${name}
version: 0.1.0
status: draft

schema:
  - name: customers
    physicalType: table
    description: one row per customer, as of the export
    # the CSV file of the table in a month folder (customers.csv is also the default)
    customProperties:
      - property: file
        value: customers.csv
    properties:
      - name: customer_id
        logicalType: string
        physicalType: VARCHAR
        primaryKey: true
        primaryKeyPosition: 1
        required: true
        description: the customer number, e.g. C0001
        logicalTypeOptions:
          pattern: ^C[0-9]{4}$
      - name: joined_on
        logicalType: date
        physicalType: DATE
        required: true
        description: day the account was opened
      - name: plan
        logicalType: string
        physicalType: VARCHAR
        required: true
        description: basic, standard or premium
        quality:
          - metric: invalidValues
            arguments:
              validValues: [basic, standard, premium]
            mustBe: 0
            description: the three plans on sale
      - name: monthly_price
        logicalType: number
        physicalType: DECIMAL(10,2)
        required: true
        description: current monthly charge, exact to the cent
        # a fee is never negative
        logicalTypeOptions: { minimum: 0 }
      - name: churned
        logicalType: boolean
        physicalType: BOOLEAN
        required: true
        description: left during the month (the label)
`;
}

const SEED_CSV = `customer_id,joined_on,plan,monthly_price,churned
C0001,2023-01-14,basic,9.99,false
C0002,2023-03-02,premium,19.99,false
C0003,2023-04-21,standard,14.99,true
C0004,2023-06-08,basic,9.99,false
C0005,2023-09-30,premium,19.99,false
C0006,2023-11-11,standard,14.99,true
`;
