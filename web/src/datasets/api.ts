// Uploaded data sets: TS mirror of api/routes/datasets.py, and its fetch wrappers. The upload goes
// through XMLHttpRequest: fetch cannot report an upload's progress.
import { json, request, requestHeaders, send } from "../api/client";
import type { Choice } from "../api/types";

export type Visibility = "private" | "unlisted" | "public";

export interface DatasetSummary {
  id: number;
  name: string;
  owner: string | null;
  visibility: Visibility;
  kind: "images" | "table";
  task: "classification" | "regression";
  /** The catalog data set type that reads it: ImageFolder, CSVClassification or CSVRegression. */
  type: string;
  /** The training config's dataset choice that reads it (id, root, image size or features, classes). */
  choice: Choice;
  num_train: number;
  num_test: number;
  classes: string[];
  class_counts: { train?: number[]; test?: number[] };
  input_shape: number[];
  details: Record<string, unknown>;
  notes: string[];
  bytes: number;
  created_at: string;
  can_edit: boolean;
  can_delete: boolean;
}

export interface DatasetRead extends DatasetSummary {
  /** A PNG data URL: a row of samples per class (image data sets only). */
  sample_grid: string | null;
}

export interface Problem { message: string; where: string; fix: string }

/** A refused upload: every problem, each naming the file or column and the fix. */
export class UploadError extends Error {
  constructor(public status: number, message: string, public problems: Problem[] = [], public more = 0) {
    super(message);
  }
}

export interface UploadFields {
  name?: string;
  visibility?: Visibility;
  kind?: "images" | "table";
  test_fraction?: number;
  seed?: number;
  image_size?: number | null;
  task?: "classification" | "regression";
  target?: string;
  features?: string[];
}

export const datasetsApi = {
  list: async () => (await json<{ items: DatasetSummary[] }>("/datasets")).items,
  get: (id: number) => json<DatasetRead>(`/datasets/${id}`),
  remove: async (id: number): Promise<void> => {
    await request(`/datasets/${id}`, send("DELETE")); // 204: no body
  },
  setVisibility: (id: number, visibility: Visibility) => json<DatasetRead>(`/datasets/${id}`, send("PATCH", { visibility })),
  /**
   * Upload `file` with its choices; `onProgress(fraction)` while the bytes go up (then the server
   * checks them: `onProgress(1)` and the promise waits). Rejects with UploadError.
   */
  upload(file: File, fields: UploadFields, onProgress: (fraction: number) => void): Promise<DatasetRead> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) {
      if (v === undefined || v === null || v === "") continue;
      form.append(k, Array.isArray(v) ? v.join(",") : String(v));
    }
    form.append("file", file, file.name);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/datasets");
      xhr.withCredentials = true;
      for (const [k, v] of Object.entries(requestHeaders({ method: "POST" }))) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onerror = () => reject(new UploadError(0, "the upload failed: the server could not be reached"));
      xhr.onload = () => {
        let body: { detail?: unknown; problems?: Problem[]; more?: number } = {};
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          /* not JSON */
        }
        if (xhr.status === 201) resolve(body as unknown as DatasetRead);
        else {
          const detail = typeof body.detail === "string" ? body.detail : `HTTP ${xhr.status}`;
          reject(new UploadError(xhr.status, detail, body.problems ?? [], body.more ?? 0));
        }
      };
      xhr.send(form);
    });
  },
};
