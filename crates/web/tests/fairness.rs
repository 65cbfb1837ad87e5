//! Fair-competition review through the UI and the API, with its denials, on both stores.

mod capsupport;
mod common;

use axum::http::StatusCode;
use capsupport::*;
use common::*;
use jianguan_domain::auth::Role;
use jianguan_domain::fairness::checklist;

fn checklist_form(version: &str, violate: Option<(&str, &str)>) -> Vec<(String, String)> {
    let mut f = Vec::new();
    for (_, s) in checklist(version).unwrap().standards() {
        match violate {
            Some((code, note)) if code == s.code => {
                f.push((format!("f_{}", s.code), "violates".to_string()));
                f.push((format!("n_{}", s.code), note.to_string()));
            }
            _ => f.push((format!("f_{}", s.code), "not_involved".to_string())),
        }
    }
    f
}

fn refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

async fn draft_id(app: &App, title: &str) -> i64 {
    let all = app.t.store.fc_drafts(&Default::default()).await.unwrap();
    all.into_iter().find(|d| d.title == title).unwrap().id
}

#[tokio::test]
async fn register_review_and_joint_review_through_the_pages() {
    for app in App::all().await {
        let mut swuj = staff(&app, "swuj1", "swuj").await;
        let mut bureau = staff(&app, "scjgj1", "scjgj").await;
        let mut other = staff(&app, "jyj1", "jyj").await;
        let version = jianguan_domain::fairness::in_force(jianguan_web::helpers::today()).version.clone();

        // Bad input first: nothing is saved.
        let r = post_multipart(
            &mut swuj,
            "/fairness/drafts",
            &[("title", ""), ("kind", "normative"), ("summary", "x")],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.name());
        assert!(r.text.contains("标题不能为空"));
        let r = post_multipart(
            &mut swuj,
            "/fairness/drafts",
            &[("title", "措施"), ("kind", "normative"), ("summary", "x")],
            Some(("措施.exe", b"MZ\x90\x00\x03")),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(r.text.contains("类型不允许上传"), "{}", r.text);
        let r = post_multipart(
            &mut swuj,
            "/fairness/drafts",
            &[("title", "措施"), ("kind", "normative"), ("summary", "x")],
            Some(("空.pdf", b"")),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("空文件"));
        assert!(
            app.t.store.fc_drafts(&Default::default()).await.unwrap().is_empty(),
            "{}: nothing half-saved",
            app.name()
        );

        // A script in the title is shown as text.
        let title = "<script>alert('x')</script>商贸扶持措施";
        let r = post_multipart(
            &mut swuj,
            "/fairness/drafts",
            &[("title", title), ("kind", "normative"), ("summary", "对新设商贸企业给予房租补贴")],
            Some(("措施.pdf", PDF)),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let id = draft_id(&app, title).await;
        let page = swuj.get(&format!("/fairness/drafts/{id}?done=registered")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text.contains("&lt;script&gt;") && !page.text.contains("<script>alert"),
            "{}: escaped",
            app.name()
        );
        assert!(page.text.contains("review-form"));
        let pdf = swuj.get(&format!("/fairness/drafts/{id}/attachment")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert!(pdf.headers["content-disposition"].to_str().unwrap().starts_with("attachment"));

        // Another department neither sees nor reviews it; the bureau sees it.
        assert_eq!(other.get(&format!("/fairness/drafts/{id}")).await.status, StatusCode::NOT_FOUND);
        let f = checklist_form(&version, None);
        let mut fields = refs(&f);
        fields.push(("conclusion", "may_issue"));
        assert_eq!(
            other.post_form(&format!("/fairness/drafts/{id}/review"), &fields).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(bureau.get(&format!("/fairness/drafts/{id}")).await.status, StatusCode::OK);
        assert_eq!(
            bureau.post_form(&format!("/fairness/drafts/{id}/review"), &fields).await.status,
            StatusCode::FORBIDDEN
        );

        // A violation without a note is refused with the reason; the selections stay.
        let f = checklist_form(&version, Some(("A3", "")));
        let mut fields = refs(&f);
        fields.push(("conclusion", "adjust"));
        fields.push(("reasoning", "删除第七条"));
        let r = swuj.post_form(&format!("/fairness/drafts/{id}/review"), &fields).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains("须写明具体条款和理由"), "{}", r.text);
        assert!(r.text.contains("name=\"f_A3\" value=\"violates\" required checked"));
        let f = checklist_form(&version, Some(("A3", "第七条限定使用本区指定物流企业")));
        let mut fields = refs(&f);
        fields.push(("conclusion", "adjust"));
        fields.push(("reasoning", "删除第七条后出台"));
        let r = swuj.post_form(&format!("/fairness/drafts/{id}/review"), &fields).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let page = swuj.get(&format!("/fairness/drafts/{id}")).await;
        assert!(page.text.contains("调整至符合要求后出台") && page.text.contains("outcome-form"));

        // A major measure: self-review, then joint review by 区市场监管局.
        let r = post_multipart(
            &mut swuj,
            "/fairness/drafts",
            &[("title", "南开区商业网点布局规划"), ("kind", "government_major"), ("summary", "规划全区商业网点")],
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let major = draft_id(&app, "南开区商业网点布局规划").await;
        let f = checklist_form(&version, None);
        let mut fields = refs(&f);
        fields.push(("conclusion", "may_issue"));
        swuj.post_form(&format!("/fairness/drafts/{major}/review"), &fields).await;
        assert!(swuj.get(&format!("/fairness/drafts/{major}")).await.text.contains("joint-form"));
        let r = swuj.post_form(&format!("/fairness/drafts/{major}/joint"), &[("note", "请会审")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // The bureau was notified and answers; the drafting unit cannot answer for it.
        let note = bureau.get("/notifications").await;
        assert!(note.text.contains("请会审:南开区商业网点布局规划"), "{}", app.name());
        assert_eq!(
            swuj.post_form(
                &format!("/fairness/drafts/{major}/opinion"),
                &[("result", "agree"), ("opinion", "自己同意")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let r = bureau
            .post_form(&format!("/fairness/drafts/{major}/opinion"), &[("result", "agree"), ("opinion", " ")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = bureau
            .post_form(
                &format!("/fairness/drafts/{major}/opinion"),
                &[("result", "agree"), ("opinion", "同意初审结论")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let d = app.t.store.fc_draft_get(major).await.unwrap();
        assert_eq!(d.final_conclusion, Some(jianguan_domain::fairness::Conclusion::MayIssue));
        assert!(swuj.get("/notifications").await.text.contains("会审意见:南开区商业网点布局规划"));

        // Report: own row for a department, every row for the bureau; CSV is formula-safe.
        let mine = swuj.get("/fairness/report").await;
        assert!(mine.text.contains("区商务局"));
        let csv = bureau.get("/fairness/report?format=csv").await;
        assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
        assert!(csv.text.contains("区商务局,2,2"), "{}", csv.text);
        assert_eq!(actions(&app, "fairness.review").await.len(), 2);
    }
}

#[tokio::test]
async fn cleanup_campaigns_with_deadline_warnings_and_public_results() {
    for app in App::all().await {
        let mut bureau = staff(&app, "scjgj1", "scjgj").await;
        let mut jyj = staff(&app, "jyj1", "jyj").await;
        let mut swuj = staff(&app, "swuj1", "swuj").await;
        let jyj_id = app.dept("jyj").await.to_string();
        // Only the bureau sets campaigns.
        let deadline = (jianguan_web::helpers::today() + chrono::Duration::days(5)).to_string();
        let r = jyj
            .post_form(
                "/fairness/cleanups",
                &[("title", "清理"), ("scope", "文件"), ("deadline_on", &deadline), ("department", &jyj_id)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = bureau
            .post_form("/fairness/cleanups", &[("title", "清理"), ("scope", "文件"), ("deadline_on", &deadline)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "no department");
        let r = bureau
            .post_form(
                "/fairness/cleanups",
                &[
                    ("title", "2026年度规范性文件清理"),
                    ("scope", "现行有效的规范性文件"),
                    ("deadline_on", &deadline),
                    ("department", &jyj_id),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let cid = app.t.store.fc_cleanups().await.unwrap()[0].id;
        // The scheduled job warns near the deadline, once.
        jianguan_web::pages::fairness::scheduled(&app.state).await.unwrap();
        jianguan_web::pages::fairness::scheduled(&app.state).await.unwrap();
        let notes = jyj.get("/notifications").await.text;
        assert_eq!(notes.matches("清理任务临近期限").count(), 1, "{}", app.name());
        // Not a target: not visible.
        assert_eq!(swuj.get(&format!("/fairness/cleanups/{cid}")).await.status, StatusCode::NOT_FOUND);
        let r = jyj
            .post_form(
                &format!("/fairness/cleanups/{cid}/documents"),
                &[
                    ("title", "南开区校外培训机构教材采购办法"),
                    ("doc_no", "南开教发〔2019〕5号"),
                    ("result", "repeal"),
                    ("reason", "限定从指定供应商采购"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let r = jyj.post_form(&format!("/fairness/cleanups/{cid}/submit"), &[("summary", "")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(jyj.get("/public/fairness").await.text.contains("暂无公开的清理结果"));
        jyj.post_form(&format!("/fairness/cleanups/{cid}/submit"), &[("summary", "清理1件,废止1件")]).await;
        let public = app.client().get("/public/fairness").await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(public.text.contains("南开区校外培训机构教材采购办法") && public.text.contains("废止"));
        assert!(!public.text.contains("jyj1"), "{}: staff names are not published", app.name());
    }
}

#[tokio::test]
async fn the_json_api() {
    for app in App::all().await {
        let mut swuj = staff(&app, "swuj1", "swuj").await;
        let mut bureau = staff(&app, "scjgj1", "scjgj").await;
        let mut ledger = {
            app.account("ledger1", "zfb", &[Role::LedgerOffice]).await;
            app.login("ledger1").await
        };
        let std = app.client().get("/api/v1/fairness/standards").await.json();
        let v2021 = std.as_array().unwrap().iter().find(|v| v["version"] == "2021").unwrap();
        assert_eq!(
            v2021["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["standards"].as_array().unwrap().len())
                .sum::<usize>(),
            18
        );
        let r = swuj
            .post_json(
                "/api/v1/fairness/drafts",
                &serde_json::json!({ "title": "", "kind": "normative", "summary": "x" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["code"], "invalid");
        let r = swuj
            .post_json(
                "/api/v1/fairness/drafts",
                &serde_json::json!({ "title": "夜间经济扶持办法", "kind": "government_major", "summary": "补贴" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let d = r.json();
        let id = d["id"].as_i64().unwrap();
        let version = d["standards_version"].as_str().unwrap().to_string();
        let findings: serde_json::Map<String, serde_json::Value> = checklist(&version)
            .unwrap()
            .standards()
            .map(|(_, s)| (s.code.clone(), serde_json::json!("complies")))
            .collect();
        let body = serde_json::json!({ "version": d["version"], "findings": findings, "conclusion": "may_issue" });
        let r = bureau.post_json(&format!("/api/v1/fairness/drafts/{id}/review"), &body).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = swuj.post_json(&format!("/api/v1/fairness/drafts/{id}/review"), &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["status"], "self_reviewed");
        let stale = swuj.post_json(&format!("/api/v1/fairness/drafts/{id}/review"), &body).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        let r = bureau
            .post_json(
                &format!("/api/v1/fairness/drafts/{id}/opinion"),
                &serde_json::json!({ "result": "agree", "opinion": "同意" }),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "not yet requested: {}", r.text);
        assert_eq!(swuj.get("/api/v1/fairness/drafts").await.json().as_array().unwrap().len(), 1);
        assert_eq!(ledger.get("/api/v1/fairness/drafts").await.json().as_array().unwrap().len(), 1);
        assert_eq!(ledger.get(&format!("/api/v1/fairness/drafts/{id}")).await.status, StatusCode::OK);
        let report = ledger.get("/api/v1/fairness/report").await.json();
        assert_eq!(report["rows"][0]["registered"], 1);
    }
}

#[tokio::test]
async fn oversized_documents_are_refused_whole() {
    for t in jianguan_store::testing::all().await {
        let mut config = jianguan_domain::config::Config::default();
        config.upload.max_file_bytes = 32;
        let app = App::on(t, config).await;
        let mut swuj = staff(&app, "swuj1", "swuj").await;
        let big = [PDF, &[b'0'; 64][..]].concat();
        let r = post_multipart(
            &mut swuj,
            "/fairness/drafts",
            &[("title", "措施"), ("kind", "normative"), ("summary", "x")],
            Some(("措施.pdf", &big)),
        )
        .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
        assert!(r.text.contains("超过上限 32 字节"), "{}", r.text);
        assert!(app.t.store.fc_drafts(&Default::default()).await.unwrap().is_empty(), "{}: nothing saved", app.name());
    }
}
